package pipeline_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	mlmodel "github.com/trainyard/trainyard/ml/model"
	"google.golang.org/protobuf/encoding/protojson"
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

// completed submits s, waits up to timeout for the project to finish, and fails the test
// unless it completed with a model.
func completed(t *testing.T, e *pipelinetest.Env, s pipelinetest.Submission, timeout time.Duration) *ent.Project {
	t.Helper()
	p := wait(t, e, submit(t, e, s).ID, timeout)
	if p.Stage != store.StageCompleted || p.ModelID == nil {
		t.Fatalf("%q: stage = %s (%s), want COMPLETED with a model", s.Description, p.Stage, p.ErrorMessage)
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
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	ds := upload(t, e, "telco_churn.csv")
	start := time.Now()
	p := submit(t, e, pipelinetest.Submission{DatasetID: ds, Description: "predict which customers will churn", BudgetSeconds: 4})
	p = wait(t, e, p.ID, 90*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	took := time.Since(start)
	t.Logf("completed in %s", took)
	if took > 60*time.Second {
		t.Errorf("submission to deployed took %s, want under 60s", took)
	}
	if p.ModelID == nil {
		t.Fatal("no model id on the completed project")
	}
	sys := store.SystemContext(context.Background())
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != store.ModelDeployed || m.ArtifactKey == "" || len(m.Metrics) == 0 || len(m.Report) == 0 || len(m.CodeExamples) == 0 {
		t.Errorf("model = state %s, artifact %q, %d bytes of metrics, %d of report, %d of code examples; want a deployed model with all of them",
			m.State, m.ArtifactKey, len(m.Metrics), len(m.Report), len(m.CodeExamples))
	}
	var metrics trainyardv1.Metrics
	if err := protojson.Unmarshal(m.Metrics, &metrics); err != nil {
		t.Fatal(err)
	}
	if auc := metrics.GetValues()["auc"]; auc < 0.8 {
		t.Errorf("held-out AUC = %v, want at least 0.8", auc)
	}
	if metrics.GetTestRows() < 1000 {
		t.Errorf("test rows = %d, want the 20%% held out", metrics.GetTestRows())
	}
	// The deployed artifact loads and answers.
	r, err := e.Blobs.Open(context.Background(), m.ArtifactKey)
	if err != nil {
		t.Fatal(err)
	}
	art, err := mlmodel.Load(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	pred, err := mlmodel.NewPredictor(art)
	if err != nil {
		t.Fatal(err)
	}
	var d mlmodel.Prediction
	var schema trainyardv1.Model
	if err := protojson.Unmarshal(m.FeatureSchema, &schema); err != nil || len(schema.GetFeatures()) == 0 {
		t.Fatalf("feature schema %s: %v", m.FeatureSchema, err)
	}
	if got := schema.GetClasses(); len(got) != 2 || got[0] != "No" || got[1] != "Yes" {
		t.Errorf("schema classes = %v, want [No Yes]", got)
	}
	if schema.GetTargetColumn() == "" || schema.GetProblemType() != trainyardv1.ProblemType_PROBLEM_TYPE_BINARY_CLASSIFICATION {
		t.Errorf("schema target %q, problem type %v; want both set", schema.GetTargetColumn(), schema.GetProblemType())
	}
	row := map[string]any{}
	for _, fs := range schema.GetFeatures() {
		row[fs.GetName()] = fs.GetExample()
	}
	if err := pred.PredictMap(row, &d); err != nil {
		t.Errorf("PredictMap = %v", err)
	}
	if art.Training.Rows != 7043 {
		t.Errorf("deployed model trained on %d rows, want all 7043 labeled rows", art.Training.Rows)
	}
	// With no criterion the evaluation calibrates the probabilities on out-of-fold predictions
	// and labels at ½ of them: the refit must carry that calibration, or its threshold would
	// apply to uncalibrated probabilities.
	if art.Calibration == nil || art.Threshold != 0.5 {
		t.Errorf("deployed calibration %v, threshold %v; want the evaluation's calibration and 0.5", art.Calibration, art.Threshold)
	}

	es := audit(t, e, p.ID)
	meaningful := 0
	for _, a := range es {
		t.Logf("%s %s: %s (%.2f)", a.Stage, a.DecisionType, a.Decision, a.Confidence)
		if a.Reasoning != "" && len(a.Alternatives) > 0 && len(a.Evidence) > 0 && a.Reasoner != "" {
			meaningful++
		}
	}
	if meaningful < 10 {
		t.Errorf("%d decisions with reasoning, alternatives and evidence, want at least 10", meaningful)
	}
	evs, err := e.Store.ListProgress(sys, p.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[store.EventKind]int{}
	etas := 0
	for _, ev := range evs {
		kinds[ev.Kind]++
		if ev.Kind == store.EventProgress && ev.EstimatedSecondsRemaining != nil {
			etas++
		}
	}
	for _, k := range []store.EventKind{store.EventStageChanged, store.EventProgress, store.EventLog, store.EventDecision, store.EventTerminal} {
		if kinds[k] == 0 {
			t.Errorf("no %s progress events (got %v)", k, kinds)
		}
	}
	if etas == 0 {
		t.Error("no progress event carries an ETA")
	}
}
