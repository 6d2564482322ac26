package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
)

// TestLeaseExpiryResumes: worker A dies during TRAINING holding the lease; when the lease
// expires, worker B's sweeper hands the project to B, which resumes the stage, records why,
// and completes the project. The trials A finished are replayed from their records, never
// fitted again by B.
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
	before := trialRecords(t, e, p.ID)
	if len(before) == 0 {
		t.Fatal("worker A recorded no finished trial before it died")
	}
	if _, ok, err := e.Store.ClaimProject(sys, p.ID, "worker-a", 2*time.Second); err != nil || !ok {
		t.Fatalf("re-claim as the dead worker = %v, %v", ok, err)
	}
	dead := time.Now()

	bt := &countingTrainer{}
	b := pipeline.New(pipeline.Deps{Store: e.Store, Blobs: e.Blobs, Trainer: bt}, pipeline.Options{WorkerID: "worker-b", MinBudget: 3 * time.Second, Logger: testLogger()})
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
	if len(rec) != 1 || rec[0].Stage != store.StageTraining || !strings.Contains(rec[0].Reasoning, "worker-a") ||
		!strings.Contains(rec[0].Reasoning, fmt.Sprintf("the %d trials it recorded", len(before))) {
		t.Errorf("recovery decisions = %v, want one in TRAINING naming worker-a and the %d trials replayed", rec, len(before))
	}
	// B fitted only the trials after those A recorded, and the search kept A's as they were.
	fitted := bt.numbers()
	if len(fitted) == 0 {
		t.Error("worker B fitted no trial")
	}
	for _, n := range fitted {
		if n < len(before) {
			t.Errorf("worker B fitted trial %d again, which worker A had finished (%d recorded)", n, len(before))
		}
	}
	var st struct {
		Replayed int `json:"replayed"`
		Trials   []struct {
			Number  int     `json:"number"`
			Learner string  `json:"learner"`
			Score   float64 `json:"score"`
		} `json:"trials"`
	}
	readState(t, e, p.ID, "train-1.json", &st)
	if st.Replayed != len(before) || len(st.Trials) < len(before) {
		t.Fatalf("resumed search: replayed %d, %d trials; want %d replayed", st.Replayed, len(st.Trials), len(before))
	}
	for i, r := range before {
		if got := st.Trials[i]; got.Number != r.Number || got.Learner != r.Learner || got.Score != r.Score {
			t.Errorf("trial %d of the resumed search = %+v, want worker A's %+v", i, got, r)
		}
	}
	if left := trialRecords(t, e, p.ID); len(left) != 0 {
		t.Errorf("%d trial records left after the search finished, want them cleared", len(left))
	}
	t.Logf("worker A recorded %d trials; worker B fitted %d more", len(before), len(fitted))
	n, err := e.Store.Client().Model.Query().Where(model.ProjectID(p.ID)).Count(sys)
	if err != nil || n != 1 {
		t.Errorf("models = %d, %v; want 1", n, err)
	}
}

// countingTrainer is the local trainer noting the numbers of the trials it fits.
type countingTrainer struct {
	pipeline.LocalTrainer
	mu     sync.Mutex
	fitted []int
}

func (c *countingTrainer) Train(ctx context.Context, job pipeline.TrainJob) (*pipeline.TrainResult, error) {
	if on := job.OnTrial; on != nil {
		job.OnTrial = func(t automl.Trial) {
			c.mu.Lock()
			c.fitted = append(c.fitted, t.Number)
			c.mu.Unlock()
			on(t)
		}
	}
	return c.LocalTrainer.Train(ctx, job)
}

func (c *countingTrainer) numbers() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.fitted)
}

// trialRecord is the part of a stored trial record the test compares.
type trialRecord struct {
	Number  int     `json:"number"`
	Learner string  `json:"learner"`
	Score   float64 `json:"score"`
	Status  string  `json:"status"`
}

// trialRecords reads the trial records of iteration 1 stored for a project, in order.
func trialRecords(t *testing.T, e *pipelinetest.Env, id uuid.UUID) []trialRecord {
	t.Helper()
	var out []trialRecord
	for n := 0; ; n++ {
		var r trialRecord
		if !tryState(t, e, id, fmt.Sprintf("train-1.trials/%05d.json", n), &r) {
			return out
		}
		out = append(out, r)
	}
}

// readState decodes a pipeline state blob of a project.
func readState(t *testing.T, e *pipelinetest.Env, id uuid.UUID, name string, v any) {
	t.Helper()
	if !tryState(t, e, id, name, v) {
		t.Fatalf("no state %s", name)
	}
}

// tryState decodes a pipeline state blob of a project; false when there is none.
func tryState(t *testing.T, e *pipelinetest.Env, id uuid.UUID, name string, v any) bool {
	t.Helper()
	r, err := e.Blobs.Open(context.Background(), "projects/"+id.String()+"/pipeline/"+name)
	if errors.Is(err, blob.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return true
}

// testLogger logs to stderr in verbose runs.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}
