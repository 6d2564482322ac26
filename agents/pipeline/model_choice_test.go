package pipeline

import (
	"strings"
	"testing"
	"time"
)

// TestTrainDecisionFollowsTheMetric: the search's decision lists the best trial first in the
// metric's direction, and its confidence is that trial's lead over the runner-up: none at a
// tie, and surer for the same lead on more validation rows.
func TestTrainDecisionFollowsTheMetric(t *testing.T) {
	p := &Pipeline{now: time.Now}
	state := func(rows int, scores ...float64) *trainState {
		st := &trainState{Iteration: 1, Metric: "rmse", Best: 1, OOFLabels: make([]float64, rows)}
		for i, s := range scores {
			st.Trials = append(st.Trials, trialSummary{Number: i + 1, Learner: "gbdt", Score: s, Status: "ok"})
		}
		return st
	}
	few, many := p.trainDecision(state(100, 2, 2.1, 3)), p.trainDecision(state(10_000, 2, 2.1, 3))
	if !strings.HasPrefix(few.Alternatives[0].Option, "trial 1:") || *few.Alternatives[0].Score != 2 {
		t.Errorf("first alternative %q, want trial 1 (RMSE 2, the lowest)", few.Alternatives[0].Option)
	}
	if !(0 < few.Confidence && few.Confidence < many.Confidence) {
		t.Errorf("RMSE 2 over 2.1: confidence %v on 100 rows, %v on 10,000; want 0 < few < many", few.Confidence, many.Confidence)
	}
	if tie := p.trainDecision(state(1000, 2, 2, 3)); tie.Confidence != 0 {
		t.Errorf("two trials at RMSE 2: confidence %v, want 0", tie.Confidence)
	}
	if one := p.trainDecision(state(1000, 2)); one.Confidence != unscoredConfidence {
		t.Errorf("one trial: confidence %v, want %v (nothing to compare)", one.Confidence, unscoredConfidence)
	}
}

// TestIterationChoice: the kept iteration is listed first, and the confidence is its lead by
// the rule that ranked the iterations: the share of criteria it meets beyond another's, else
// its lead on the metric, in the metric's direction (a lower RMSE leads).
func TestIterationChoice(t *testing.T) {
	p := &Pipeline{now: time.Now}
	rmse := mustMetric(t, "rmse")
	crit := make([]criterionResult, 2)
	for _, tc := range []struct {
		name string
		its  []iterationResult
		kept int
		want func(float64) bool
	}{
		{"lower rmse", []iterationResult{{Iteration: 1, Score: 2.5}, {Iteration: 2, Score: 2}}, 1, func(c float64) bool { return c > 0.5 }},
		{"tie", []iterationResult{{Iteration: 1, Score: 2}, {Iteration: 2, Score: 2}}, 0, func(c float64) bool { return c == 0 }},
		{"more criteria met", []iterationResult{{Iteration: 1, Score: 2, Met: 1, Criteria: crit}, {Iteration: 2, Score: 2.5, Met: 2, Criteria: crit}}, 1, func(c float64) bool { return c == 0.5 }},
		{"closest of three", []iterationResult{{Iteration: 1, Score: 3}, {Iteration: 2, Score: 2}, {Iteration: 3, Score: 2.001}}, 1, func(c float64) bool { return 0 < c && c < 0.1 }},
	} {
		kept := tc.its[tc.kept]
		d := p.iterationChoice(tc.its, kept, rmse, 1000)
		if want := iterationAlt(kept).Option; d.Alternatives[0].Option != want || len(d.Alternatives) != len(tc.its) {
			t.Errorf("%s: alternatives %v, want %s first among %d", tc.name, d.Alternatives, want, len(tc.its))
		}
		if !tc.want(d.Confidence) {
			t.Errorf("%s: confidence %v", tc.name, d.Confidence)
		}
	}
}

// TestImageLearnerChoice: the kept image learner is listed first, whichever trained first, with
// a confidence from its lead in validation accuracy.
func TestImageLearnerChoice(t *testing.T) {
	p := &Pipeline{now: time.Now}
	st := &trainState{Metric: "accuracy", HigherIsBetter: true, Best: 2, Score: 0.8, Members: []string{"cnn"}, Trials: []trialSummary{
		{Number: 1, Learner: "pixels_logistic", Score: 0.6, Status: "ok"},
		{Number: 2, Learner: "cnn", Score: 0.8, Status: "ok"},
	}}
	d := p.imageLearnerChoice(st, 1000, time.Minute, nil)
	if d.Alternatives[0].Option != "cnn" || d.Confidence <= 0.5 {
		t.Errorf("first alternative %q, confidence %v; want cnn (0.8 over 0.6 on 100 images) first, surely", d.Alternatives[0].Option, d.Confidence)
	}
}
