package pipeline

import (
	"testing"

	"github.com/trainyard/trainyard/ml/automl"
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
