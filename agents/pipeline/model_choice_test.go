package pipeline

import (
	"strings"
	"testing"
	"time"
)

// TestTrainDecisionFollowsTheMetric: the search's decision lists the best trial first in the
// metric's direction, and its confidence is the chosen model's lead over the best trial of
// each learner family it does not use: surer for the same lead on more validation rows, a coin
// flip when another family ties, and unscoredConfidence with no other family. A sibling of its own
// family at the same score, which often happens, does not count.
func TestTrainDecisionFollowsTheMetric(t *testing.T) {
	p := &Pipeline{now: time.Now}
	type trial struct {
		learner string
		score   float64
	}
	state := func(rows int, trials ...trial) *trainState {
		st := &trainState{Iteration: 1, Metric: "rmse", Best: 1, Score: trials[0].score, Learners: []string{trials[0].learner}, OOFLabels: make([]float64, rows)}
		for i, tr := range trials {
			st.Trials = append(st.Trials, trialSummary{Number: i + 1, Learner: tr.learner, Score: tr.score, Status: "ok"})
		}
		return st
	}
	few := p.trainDecision(state(100, trial{"gbdt", 2}, trial{"gbdt", 2}, trial{"linear", 2.1}))
	many := p.trainDecision(state(10_000, trial{"gbdt", 2}, trial{"gbdt", 2}, trial{"linear", 2.1}))
	if !strings.HasPrefix(few.Alternatives[0].Option, "trial 1:") || *few.Alternatives[0].Score != 2 {
		t.Errorf("first alternative %q, want trial 1 (RMSE 2, the lowest)", few.Alternatives[0].Option)
	}
	if !(0.5 < few.Confidence && few.Confidence < many.Confidence) {
		t.Errorf("RMSE 2 over linear's 2.1: confidence %v on 100 rows, %v on 10,000; want 0.5 < few < many", few.Confidence, many.Confidence)
	}
	if tie := p.trainDecision(state(1000, trial{"gbdt", 2}, trial{"linear", 2})); tie.Confidence != 0.5 {
		t.Errorf("gbdt and linear at RMSE 2: confidence %v, want 0.5", tie.Confidence)
	}
	if one := p.trainDecision(state(1000, trial{"gbdt", 2}, trial{"gbdt", 2.5})); one.Confidence != unscoredConfidence {
		t.Errorf("one family: confidence %v, want %v (no other family to compare)", one.Confidence, unscoredConfidence)
	}
	// The best of another family is listed even when the top trials are all the chosen family's.
	trials := []trial{{"gbdt", 2}, {"gbdt", 2.01}, {"gbdt", 2.02}, {"gbdt", 2.03}, {"gbdt", 2.04}, {"gbdt", 2.05}, {"gbdt", 2.06}, {"forest", 2.3}, {"forest", 2.2}}
	d := p.trainDecision(state(1000, trials...))
	last := d.Alternatives[len(d.Alternatives)-1]
	if len(d.Alternatives) != 7 || !strings.HasPrefix(last.Option, "trial 9:") || last.Note != "the best forest" {
		t.Errorf("alternatives %v, want the top 6 trials and trial 9, the best forest", d.Alternatives)
	}
}

// TestIterationChoice: the kept iteration is listed first, and the confidence is its lead by
// the rule that ranked the iterations: from a coin flip toward certainty by the share of
// criteria it meets beyond another's, else its lead on the metric, in the metric's direction
// (a lower RMSE leads).
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
		{"tie", []iterationResult{{Iteration: 1, Score: 2}, {Iteration: 2, Score: 2}}, 0, func(c float64) bool { return c == 0.5 }},
		{"more criteria met", []iterationResult{{Iteration: 1, Score: 2, Met: 1, Criteria: crit}, {Iteration: 2, Score: 2.5, Met: 2, Criteria: crit}}, 1, func(c float64) bool { return c == 0.75 }},
		{"every criterion met against none", []iterationResult{{Iteration: 1, Score: 2, Met: 0, Criteria: crit}, {Iteration: 2, Score: 2.5, Met: 2, Criteria: crit}}, 1, func(c float64) bool { return c == 1 }},
		{"closest of three", []iterationResult{{Iteration: 1, Score: 3}, {Iteration: 2, Score: 2}, {Iteration: 3, Score: 2.001}}, 1, func(c float64) bool { return 0.5 < c && c < 0.55 }},
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
// a confidence from its lead in validation accuracy; when the two tie, the baseline is kept by
// rule, and the decision says so with the confidence of a coin flip.
func TestImageLearnerChoice(t *testing.T) {
	p := &Pipeline{now: time.Now}
	choose := func(best int, pixels, cnn float64) *trainState {
		members := map[int]string{1: "pixels_logistic", 2: "cnn"}
		return &trainState{Metric: "accuracy", HigherIsBetter: true, Best: best, Score: max(pixels, cnn), Members: []string{members[best]}, Trials: []trialSummary{
			{Number: 1, Learner: "pixels_logistic", Score: pixels, Status: "ok"},
			{Number: 2, Learner: "cnn", Score: cnn, Status: "ok"},
		}}
	}
	d := p.imageLearnerChoice(choose(2, 0.6, 0.8), 1000, 100, time.Minute, nil)
	if d.Alternatives[0].Option != "cnn" || d.Confidence <= 0.99 || strings.Contains(d.Reasoning, "broke the tie") {
		t.Errorf("first alternative %q, confidence %v, reasoning %q; want cnn (0.8 over 0.6 on 100 images) first, surely, no tie", d.Alternatives[0].Option, d.Confidence, d.Reasoning)
	}
	tie := p.imageLearnerChoice(choose(1, 0.7, 0.7), 1000, 100, time.Minute, nil)
	if tie.Alternatives[0].Option != "pixels_logistic" || tie.Confidence != 0.5 || !strings.Contains(tie.Reasoning, "pixels_logistic ties cnn on accuracy (0.7): the rule broke the tie") {
		t.Errorf("tie: first alternative %q, confidence %v, reasoning %q; want the baseline first, 0.5, saying the rule broke the tie", tie.Alternatives[0].Option, tie.Confidence, tie.Reasoning)
	}
}
