package pipeline

import (
	"testing"

	"github.com/trainyard/trainyard/ml/model"
)

// TestServedThresholdLabelsLikeTheEvaluation: for either position of the positive class, the
// artifact's rule labels a probability pair exactly as the evaluation's rule does.
func TestServedThresholdLabelsLikeTheEvaluation(t *testing.T) {
	classes := []string{"No", "Yes"}
	for _, pos := range []int{0, 1} {
		for _, thr := range []float64{0, 0.07, 0.25, 0.5, 0.8125, 1} {
			served, ok := servedThreshold(classes, classes[pos], thr)
			if !ok || !(served > 0 && served <= 1) {
				t.Fatalf("servedThreshold(%v, %s, %v) = %v, %v; want a threshold in (0, 1]", classes, classes[pos], thr, served, ok)
			}
			art := &model.Artifact{Classes: classes, Threshold: served}
			for i := 0; i <= 64; i++ {
				p1 := float64(i) / 64
				probs := []float64{1 - p1, p1}
				want := 1 - pos
				if probs[pos] >= thr {
					want = pos
				}
				if thr == 0 && probs[pos] == 0 {
					continue // 0 ≥ 0, but an artifact threshold is positive: it cannot say "always"
				}
				if got := art.ClassOf(probs); got != want {
					t.Errorf("positive %s, threshold %v: ClassOf(%v) = %d, want %d (artifact threshold %v)", classes[pos], thr, probs, got, want, served)
				}
			}
		}
	}
	if _, ok := servedThreshold([]string{"a", "b", "c"}, "a", 0.5); ok {
		t.Error("servedThreshold(3 classes) = ok, want refused")
	}
	if _, ok := servedThreshold(classes, "Maybe", 0.5); ok {
		t.Error("servedThreshold(unknown positive) = ok, want refused")
	}
}
