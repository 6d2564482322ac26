package pipeline_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
)

// startEnv starts a pipeline with a worker on a fresh SQLite store.
func startEnv(t *testing.T, cfg pipelinetest.Config) *pipelinetest.Env {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if testing.Verbose() && cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if cfg.Pipeline.MinBudget == 0 {
		cfg.Pipeline.MinBudget = 3 * time.Second
	}
	e, err := pipelinetest.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// upload uploads a shared dataset.
func upload(t *testing.T, e *pipelinetest.Env, name string) uuid.UUID {
	t.Helper()
	path, err := pipelinetest.DatasetPath(name)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatalf("Upload(%s) = %v", name, err)
	}
	return ds.ID
}

// submit submits a project and fails the test on error.
func submit(t *testing.T, e *pipelinetest.Env, s pipelinetest.Submission) *ent.Project {
	t.Helper()
	p, err := e.Submit(context.Background(), s)
	if err != nil {
		t.Fatalf("Submit = %v", err)
	}
	return p
}

// wait waits for a stage.
func wait(t *testing.T, e *pipelinetest.Env, id uuid.UUID, timeout time.Duration, stages ...store.Stage) *ent.Project {
	t.Helper()
	p, err := e.Wait(context.Background(), id, timeout, stages...)
	if err != nil {
		t.Fatalf("Wait = %v", err)
	}
	return p
}

// audit returns a project's decisions.
func audit(t *testing.T, e *pipelinetest.Env, id uuid.UUID) []*ent.AuditEntry {
	t.Helper()
	var out []*ent.AuditEntry
	tok := ""
	for {
		es, next, err := e.Store.ListAuditEntries(store.SystemContext(context.Background()), id, store.PageRequest{Size: 100, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, es...)
		if next == "" {
			return out
		}
		tok = next
	}
}

func TestTelcoEndToEnd(t *testing.T) {
	e := startEnv(t, pipelinetest.Config{})
	ds := upload(t, e, "telco_churn.csv")
	start := time.Now()
	p := submit(t, e, pipelinetest.Submission{DatasetID: ds, Description: "predict which customers will churn", BudgetSeconds: 4})
	p = wait(t, e, p.ID, 90*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	t.Logf("completed in %s", time.Since(start))
	es := audit(t, e, p.ID)
	for _, a := range es {
		t.Logf("%s %s: %s (%.2f)", a.Stage, a.DecisionType, a.Decision, a.Confidence)
	}
	_ = pipeline.LocalTrainer{}
}
