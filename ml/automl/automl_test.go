package automl

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trainyard/trainyard/ml/datasets"
)

// load reads an all-numeric dataset whose last column is the target: classes
// (sorted by name) for classification, values for regression. The linear
// encoding is the standardized features.
func load(t *testing.T, name, task string) *Data {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := rows[0], rows[1:]
	p := len(head) - 1
	d := &Data{Task: task, NumClass: 1}
	d.Trees = Matrix{Names: head[:p], Cols: make([][]float64, p)}
	for _, r := range rows {
		for j := 0; j < p; j++ {
			v, err := strconv.ParseFloat(r[j], 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			d.Trees.Cols[j] = append(d.Trees.Cols[j], v)
		}
	}
	if task == Regression {
		for _, r := range rows {
			v, _ := strconv.ParseFloat(r[p], 64)
			d.Label = append(d.Label, v)
		}
	} else {
		var classes []string
		for _, r := range rows {
			if !slices.Contains(classes, r[p]) {
				classes = append(classes, r[p])
			}
		}
		slices.Sort(classes)
		d.NumClass = len(classes)
		for _, r := range rows {
			d.Label = append(d.Label, float64(slices.Index(classes, r[p])))
		}
	}
	lin := Matrix{Names: d.Trees.Names, Cols: make([][]float64, p)}
	for j, c := range d.Trees.Cols {
		mean, sd := 0.0, 0.0
		for _, v := range c {
			mean += v
		}
		mean /= float64(len(c))
		for _, v := range c {
			sd += (v - mean) * (v - mean)
		}
		sd = math.Sqrt(sd/float64(len(c))) + 1e-12
		lin.Cols[j] = make([]float64, len(c))
		for i, v := range c {
			lin.Cols[j][i] = (v - mean) / sd
		}
	}
	d.Linear = &lin
	return d
}

func TestSearchBinaryWithinBudget(t *testing.T) {
	d := load(t, "breast_cancer.csv", Binary)
	budget := 10 * time.Second
	start := time.Now()
	res, err := Search(context.Background(), d, Config{Deadline: start.Add(budget), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if over := time.Since(start) - budget; over > 2*time.Second {
		t.Errorf("search overran its budget by %v", over)
	}
	if res.Finished < 1 {
		t.Fatalf("Finished = %d, want at least 1 trial in %v", res.Finished, budget)
	}
	first := res.Trials[0]
	if first.Learner != GBDT || len(first.Params) != 0 {
		t.Errorf("first trial = %s %v, want GBDT with LightGBM's defaults", first.Learner, first.Params)
	}
	if res.Metric.Name != "logloss" || res.Score > 0.15 {
		t.Errorf("score = %s %.4f, want logloss below 0.15", res.Metric.Name, res.Score)
	}
	if len(res.Members) == 0 || (res.Members[0].GBDT == nil && res.Members[0].Linear == nil) {
		t.Fatalf("no refit model: %+v", res.Members)
	}
	for _, tr := range res.Trials {
		if tr.Status == "ok" && tr.Note == "" {
			t.Errorf("trial %d has no note", tr.Number)
		}
	}
	if len(res.OOF) != len(res.OOFRows)*2 || len(res.OOFRows) != d.NumRows() {
		t.Errorf("OOF has %d values for %d rows, want 2 per row of all %d", len(res.OOF), len(res.OOFRows), d.NumRows())
	}
}

func TestSearchReplaysExactly(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	run := func(cfg Config) *Result {
		res, err := Search(context.Background(), d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	timed := run(Config{Deadline: time.Now().Add(2 * time.Second), Seed: 7})
	replay := run(Config{Trials: timed.Finished, Seed: 7})
	ignore := cmpopts.IgnoreFields(Trial{}, "Seconds")
	var finished []Trial
	for _, tr := range timed.Trials {
		if tr.Status != "timeout" {
			finished = append(finished, tr)
		}
	}
	if diff := cmp.Diff(finished, replay.Trials, ignore, cmpopts.IgnoreUnexported(Trial{})); diff != "" {
		t.Errorf("replay of %d trials differs (-timed +replay):\n%s", timed.Finished, diff)
	}
	other := run(Config{Trials: timed.Finished, Seed: 8})
	if cmp.Equal(replay.Trials, other.Trials, ignore, cmpopts.IgnoreUnexported(Trial{})) && timed.Finished > 3 {
		t.Errorf("seeds 7 and 8 ran the same %d trials", timed.Finished)
	}
}

func TestSearchRegression(t *testing.T) {
	d := load(t, "diabetes.csv", Regression)
	res, err := Search(context.Background(), d, Config{Trials: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// The target's standard deviation is about 77; a useful model does far better.
	if res.Metric.Name != "rmse" || res.Score > 62 {
		t.Errorf("score = %s %.2f, want rmse below 62", res.Metric.Name, res.Score)
	}
	var learners []string
	for _, tr := range res.Trials {
		learners = append(learners, tr.Learner)
	}
	if !slices.Contains(learners, Linear) {
		t.Errorf("learners tried = %v, want linear among them", learners)
	}
}

func TestFixedCandidateIsOneFit(t *testing.T) {
	d := load(t, "breast_cancer.csv", Binary)
	c := Candidate{Learner: GBDT, Params: map[string]string{"num_iterations": "7", "num_leaves": "5"}}
	res, err := Search(context.Background(), d, Config{Fixed: &c})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trials) != 1 || res.Members[0].GBDT == nil || res.Members[0].GBDT.Iterations != 7 {
		t.Errorf("fixed fit = %d trials, model %+v; want one GBDT of 7 iterations", len(res.Trials), res.Members[0].GBDT)
	}
}

func TestSignificantlyBetter(t *testing.T) {
	s := &searcher{metric: mustMetric(t, "rmse")}
	tests := []struct {
		name string
		a, b []float64
		want bool
	}{
		{"consistent gain", []float64{1, 1.1, 0.9, 1, 1}, []float64{1.2, 1.3, 1.1, 1.2, 1.2}, true},
		{"gain within noise", []float64{1, 1.5, 0.6, 1.3, 0.9}, []float64{1.1, 1.0, 1.0, 1.2, 1.1}, false},
		{"worse", []float64{2, 2, 2, 2, 2}, []float64{1, 1, 1, 1, 1}, false},
	}
	for _, tc := range tests {
		if got, _, _ := s.significantlyBetter(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: significantlyBetter = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSpentBudgetStillYieldsAModel: a deadline that has all but passed, or
// passed, when the search starts leaves no time for any trial; the first
// candidate of each family is still fit on all rows, within the overrun
// allowance, and said to be unvalidated.
func TestSpentBudgetStillYieldsAModel(t *testing.T) {
	table := load(t, "breast_cancer.csv", Binary)
	sms := textData(t, 1500, Binary)
	for _, tc := range []struct {
		learner string
		d       *Data
		budget  time.Duration
	}{
		{GBDT, table, time.Millisecond},
		{Linear, table, time.Millisecond},
		{Text, sms, time.Millisecond},
		{GBDT, table, -time.Second},
		{Linear, table, -time.Second},
		{Text, sms, -time.Second},
	} {
		start := time.Now()
		res, err := Search(context.Background(), tc.d, Config{Deadline: start.Add(tc.budget), Learners: []string{tc.learner}, Seed: 1})
		if err != nil {
			t.Errorf("%s, budget %v: %v", tc.learner, tc.budget, err)
			continue
		}
		// A learner notices the deadline at its next check: a tree or an
		// evaluation of the objective later.
		if over := time.Since(start) - max(0, tc.budget); over > Overrun(tc.budget)+time.Second/4 {
			t.Errorf("%s, budget %v: the search overran by %v, more than the allowance %v", tc.learner, tc.budget, over, Overrun(tc.budget))
		}
		if len(res.Members) != 1 || !learned(res.Members[0]) || res.Members[0].Learner != tc.learner {
			t.Errorf("%s, budget %v: members %+v, want one %s model that has learned something", tc.learner, tc.budget, res.Members, tc.learner)
		}
		if !strings.HasPrefix(res.Trials[0].Note, "not validated") {
			t.Errorf("%s, budget %v: the model's note %q does not say it is not validated", tc.learner, tc.budget, res.Trials[0].Note)
		}
	}
}

// learned reports whether m's model took at least one tree or one step from
// its start (all-zero weights for the text learner and a constant for the
// others).
func learned(m Member) bool {
	var coef [][]float64
	switch {
	case m.GBDT != nil:
		return len(m.GBDT.Trees) > 0
	case m.Linear != nil:
		coef = m.Linear.Coefficients
	case m.Text != nil:
		coef = m.Text.Coef
	}
	return slices.ContainsFunc(coef, func(c []float64) bool { return slices.ContainsFunc(c, func(v float64) bool { return v != 0 }) })
}

// TestNoTimeToRefitKeepsTheHoldoutModel: when the budget leaves no time to refit the
// winner on all rows, the model validated on the holdout is deployed as it is.
func TestNoTimeToRefitKeepsTheHoldoutModel(t *testing.T) {
	d := load(t, "breast_cancer.csv", Binary)
	cfg := Config{Deadline: time.Now().Add(time.Hour), CVRows: 100, Seed: 1}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &searcher{d: d, cfg: &cfg, metric: mustMetric(t, "logloss"), sch: sch, start: time.Now()}
	tr := s.evaluate(context.Background(), Candidate{Learner: GBDT, Params: map[string]string{"num_iterations": "5"}})
	if tr.Status != "ok" || tr.holdout == nil || tr.holdout.gbdt == nil {
		t.Fatalf("trial = %+v, want an ok trial holding its holdout model", tr)
	}
	tr.Seconds = 3600 // as if refitting would take an hour
	s.trials = []Trial{tr}
	cfg.Deadline = time.Now().Add(time.Second)
	res, err := s.finish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Members[0].GBDT != tr.holdout.gbdt {
		t.Errorf("deployed model is not the holdout model: %+v", res.Members[0])
	}
}
