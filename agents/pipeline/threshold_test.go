package pipeline

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/ml/automl"
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

// TestChooseThresholdCalibratesSqueezedProbabilities: with no criterion, the validation
// probabilities are calibrated (Platt scaling) and the threshold is the most probable class, 0.5,
// on them. Validation rows whose labels follow true log-odds z are scored once calibrated (σ(z))
// and once squeezed toward the base rate as a heavily regularized model or a blend scores them
// (σ(z/4 - 0.6), which is ½ where the true probability is σ(2.4)): calibrated, both give about
// σ(z) for the positive class, for either position of it, and the labels follow z ≥ 0.
func TestChooseThresholdCalibratesSqueezedProbabilities(t *testing.T) {
	sigmoid := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	r := rand.New(rand.NewPCG(1, 2))
	z := make([]float64, 4000)
	isPos := make([]bool, len(z))
	for i := range z {
		z[i] = r.NormFloat64()*2 - 0.6
		isPos[i] = r.Float64() < sigmoid(z[i])
	}
	p := &Pipeline{now: time.Now}
	for _, tc := range []struct {
		name  string
		score func(z float64) float64
	}{
		{"calibrated", sigmoid},
		{"squeezed", func(z float64) float64 { return sigmoid(z/4 - 0.6) }},
	} {
		for _, pos := range []int{0, 1} {
			val := &scored{task: automl.Binary, classes: []string{"No", "Yes"}, width: 2, pos: pos, threshold: 0.5}
			for i := range z {
				y, s := 1-pos, tc.score(z[i])
				if isPos[i] {
					y = pos
				}
				row := []float64{s, 1 - s}
				if pos == 1 {
					row = []float64{1 - s, s}
				}
				val.y, val.proba = append(val.y, float64(y)), append(val.proba, row...)
			}
			cal := plattCalibration(context.Background(), val)
			if cal == nil {
				t.Fatalf("%s scores, positive class %d: no calibration", tc.name, pos)
			}
			cv := val.calibrated(cal)
			worst := 0.0
			for i := range z {
				worst = max(worst, math.Abs(cv.proba[2*i+pos]-sigmoid(z[i])))
			}
			if worst > 0.05 {
				t.Errorf("%s scores, positive class %d: calibration %+v leaves a probability %.3f from the true one", tc.name, pos, *cal, worst)
			}
			thr, d, _ := p.chooseThreshold(cv, &analyze.Analysis{}, &trainState{Metric: "auc"}, true)
			if thr != 0.5 || d == nil || !strings.Contains(d.Reasoning, "Platt scaling on out-of-fold predictions") {
				t.Errorf("%s scores, positive class %d: chooseThreshold = %.4f (decision %v), want 0.5 and a decision naming the calibration", tc.name, pos, thr, d)
			}
		}
	}
}
