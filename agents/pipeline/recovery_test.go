package pipeline_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/internal/store"
)

// TestLeaseExpiryResumes: worker A dies during TRAINING holding the lease; when the lease
// expires, worker B's sweeper hands the project to B, which restarts the stage, records why,
// and completes the project.
func TestLeaseExpiryResumes(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{NoWorker: true})
	ctx := context.Background()
	a := pipeline.New(pipeline.Deps{Store: e.Store, Blobs: e.Blobs}, pipeline.Options{WorkerID: "worker-a", LeaseTTL: 2 * time.Second, MinBudget: 3 * time.Second, Logger: testLogger()})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "iris.csv"), Description: "predict the species", BudgetSeconds: 3})
	for p.Stage != store.StageTraining {
		if err := a.Handle(ctx, store.ProjectTrigger{ProjectID: p.ID, Stage: p.Stage}); err != nil {
			t.Fatal(err)
		}
		var err error
		if p, err = e.Store.GetProject(sys, p.ID); err != nil {
			t.Fatal(err)
		}
		if p.Stage.Terminal() {
			t.Fatalf("stage = %s (%s) before training", p.Stage, p.ErrorMessage)
		}
	}
	// A trains for a while, then dies without giving its lease back.
	actx, kill := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = a.Handle(actx, store.ProjectTrigger{ProjectID: p.ID, Stage: store.StageTraining}) })
	time.Sleep(1200 * time.Millisecond)
	kill()
	wg.Wait()
	if _, ok, err := e.Store.ClaimProject(sys, p.ID, "worker-a", 2*time.Second); err != nil || !ok {
		t.Fatalf("re-claim as the dead worker = %v, %v", ok, err)
	}
	dead := time.Now()

	b := pipeline.New(pipeline.Deps{Store: e.Store, Blobs: e.Blobs}, pipeline.Options{WorkerID: "worker-b", MinBudget: 3 * time.Second, Logger: testLogger()})
	w := worker.New(e.Store, e.Queue, b, worker.Options{Relay: true, RelayPoll: 200 * time.Millisecond, SweepInterval: 300 * time.Millisecond, SweepGrace: 500 * time.Millisecond})
	wctx, stop := context.WithCancel(ctx)
	wg.Go(func() { _ = w.Run(wctx) })
	defer func() { stop(); wg.Wait() }()

	p = wait(t, e, p.ID, 60*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	t.Logf("completed %s after the crash", time.Since(dead))
	rec := decisionsOf(audit(t, e, p.ID), "recovery")
	if len(rec) != 1 || rec[0].Stage != store.StageTraining || !strings.Contains(rec[0].Reasoning, "worker-a") {
		t.Errorf("recovery decisions = %v, want one in TRAINING naming worker-a", rec)
	}
	n, err := e.Store.Client().Model.Query().Where(model.ProjectID(p.ID)).Count(sys)
	if err != nil || n != 1 {
		t.Errorf("models = %d, %v; want 1", n, err)
	}
}

// testLogger logs to stderr in verbose runs.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
