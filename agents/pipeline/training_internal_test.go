package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// TestTrialLine: a trial's progress line names its metrics, and shows a note only when there
// is one.
func TestTrialLine(t *testing.T) {
	for _, tc := range []struct {
		trial automl.Trial
		want  string
	}{
		{automl.Trial{Number: 7, Candidate: automl.Candidate{Learner: "gbdt"}, Status: "ok", Metric: "auc", Score: 0.85251,
			Metrics: []automl.MetricValue{{Name: "auc", Value: 0.85251}, {Name: "accuracy", Value: 0.80214}}},
			"trial 7 gbdt ok: auc 0.8525, accuracy 0.8021"},
		{automl.Trial{Number: 2, Candidate: automl.Candidate{Learner: "linear"}, Status: "ok", Metric: "rmse", Score: 1.5},
			"trial 2 linear ok: rmse 1.5"},
		{automl.Trial{Number: 3, Candidate: automl.Candidate{Learner: "forest"}, Status: "failed", Note: "out of time"},
			"trial 3 forest failed (out of time)"},
	} {
		if got := trialLine(tc.trial); got != tc.want {
			t.Errorf("trialLine(%+v) = %q, want %q", tc.trial, got, tc.want)
		}
	}
}

// spendingTrainer is a trainer on a fake clock: each search takes the time spend allows it of
// the budget it is given, and the first fail of them fail.
type spendingTrainer struct {
	now     *time.Time
	spend   func(budget time.Duration) time.Duration
	fail    int
	budgets []time.Duration
}

func (*spendingTrainer) Name() string { return "spending" }

func (s *spendingTrainer) Train(_ context.Context, job TrainJob) (*TrainResult, error) {
	s.budgets = append(s.budgets, job.Budget)
	*s.now = s.now.Add(s.spend(job.Budget))
	if len(s.budgets) <= s.fail {
		return nil, errors.New("the learner failed")
	}
	return &TrainResult{Artifact: &model.Artifact{}}, nil
}

// TestTrainAttemptsShareTheBudget: a retry after a failed attempt gets what the failed one left
// of the stage's budget, not a budget of its own, and none is made once the budget is spent;
// the stage then fails as a user error that names the budget. Time is a fake clock the trainer
// advances, so a busy machine cannot change the outcome.
func TestTrainAttemptsShareTheBudget(t *testing.T) {
	const budget = 20 * time.Second
	for _, tc := range []struct {
		name        string
		spend       func(time.Duration) time.Duration
		fail        int
		wantBudgets []time.Duration
		wantErr     bool
	}{
		{"every attempt fails after spending its budget", func(b time.Duration) time.Duration { return b }, maxTrainAttempts,
			[]time.Duration{budget}, true},
		{"a quick failure leaves the rest to the retry", func(time.Duration) time.Duration { return 5 * time.Second }, 1,
			[]time.Duration{budget, budget - 5*time.Second}, false},
		{"quick failures each time: all attempts, within the budget", func(time.Duration) time.Duration { return 5 * time.Second }, maxTrainAttempts,
			[]time.Duration{budget, budget - 5*time.Second, budget - 10*time.Second}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			tr := &spendingTrainer{now: &now, spend: tc.spend, fail: tc.fail}
			p, r := trainingPipeline(t, tr)
			p.now = func() time.Time { return now }
			r.started = now
			cfg := trainConfig{Families: []string{automl.GBDT}, BudgetSeconds: budget.Seconds()}
			st, _, err := p.trainAttempts(context.Background(), r, &outcome{}, &frame.Frame{}, &dataState{}, cfg, 1, nil)
			if spent := now.Sub(r.started); spent > budget {
				t.Errorf("attempts took %s of the fake clock, want at most the %s budget", spent, budget)
			}
			if !slices.Equal(tr.budgets, tc.wantBudgets) {
				t.Errorf("attempt budgets = %v, want %v", tr.budgets, tc.wantBudgets)
			}
			var ue *UserError
			switch {
			case tc.wantErr && !errors.As(err, &ue):
				t.Errorf("trainAttempts error = %v, want a UserError", err)
			case !tc.wantErr && (err != nil || st.Attempts != len(tc.wantBudgets)):
				t.Errorf("trainAttempts = %+v, %v; want success on attempt %d", st, err, len(tc.wantBudgets))
			}
		})
	}
}

// TestOverBudgetLine: a stage that ends within its budget and tolerance says nothing more; one
// that ends later says by how much, and how long storing the model took.
func TestOverBudgetLine(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		stored, end time.Duration
		want        string
	}{
		{19 * time.Second, 22 * time.Second, ""}, // 20 s and its 2 s tolerance
		{21 * time.Second, 25 * time.Second, "the training stage took 25.0s, over its 20s budget and 2s tolerance by 3.0s; storing the model took 4.0s of it"},
	} {
		p := &Pipeline{now: func() time.Time { return start.Add(tc.end) }}
		if got := p.overBudgetLine(&run{started: start}, 20*time.Second, start.Add(tc.stored)); got != tc.want {
			t.Errorf("overBudgetLine(stored %s, ended %s) = %q, want %q", tc.stored, tc.end, got, tc.want)
		}
	}
}

// TestFixedTrialsSayTheBudgetDidNotBindThem: a local trainer that runs a fixed number of trials
// says its search was untimed, and the stage's log line says the budget did not bound it; a
// search against the clock is timed.
func TestFixedTrialsSayTheBudgetDidNotBindThem(t *testing.T) {
	ctx := context.Background()
	f, err := frame.ReadFile(ctx, datasets.MustPath(t, "iris.csv"), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job := TrainJob{Frame: f, Target: f.Names()[f.NCols()-1], Task: automl.Multiclass, Families: []string{automl.Linear}, Budget: time.Millisecond, Seed: 1}
	for _, tc := range []struct {
		trainer LocalTrainer
		untimed bool
	}{{LocalTrainer{Trials: 1}, true}, {LocalTrainer{}, false}} {
		res, err := tc.trainer.Train(ctx, job)
		if err != nil {
			t.Fatalf("%+v: %v", tc.trainer, err)
		}
		st := newTrainState(1, trainConfig{BudgetSeconds: job.Budget.Seconds()}, res, 1)
		said := strings.Contains(st.finishedLine(), "the budget did not bound it")
		if res.Untimed != tc.untimed || said != tc.untimed {
			t.Errorf("%+v: Untimed = %v, log line %q; want untimed %v", tc.trainer, res.Untimed, st.finishedLine(), tc.untimed)
		}
	}
}

// trainingPipeline is a pipeline on a store and blobs in a temporary folder with trainer, and
// a run of a project that is not stored (its progress events are dropped with a warning).
func trainingPipeline(t *testing.T, trainer Trainer) (*Pipeline, *run) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bl, err := blob.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	p := New(Deps{Store: st, Blobs: bl, Trainer: trainer}, Options{})
	return p, &run{p: p, proj: &ent.Project{ID: uuid.New()}, stage: store.StageTraining, ctx: ctx}
}
