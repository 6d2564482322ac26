package pipeline

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/automl"
)

// softmaxScored returns n multiclass validation rows of k classes whose labels follow
// softmax(z), z ~ N(0, 1.5²) per class, scored softmax(z·sharpen): overconfident above 1,
// timid below.
func softmaxScored(r *rand.Rand, n, k int, sharpen float64) *scored {
	s := &scored{task: automl.Multiclass, classes: make([]string, k), width: k, threshold: 0.5, pos: 1}
	z := make([]float64, k)
	for range n {
		sum, sharp := 0.0, 0.0
		for j := range z {
			z[j] = 1.5 * r.NormFloat64()
			sum += math.Exp(z[j])
			sharp += math.Exp(sharpen * z[j])
		}
		u, y := r.Float64()*sum, 0
		for y < k-1 && u >= math.Exp(z[y]) {
			u -= math.Exp(z[y])
			y++
		}
		s.y = append(s.y, float64(y))
		for j := range z {
			s.proba = append(s.proba, math.Exp(sharpen*z[j])/sharp)
		}
	}
	return s
}

// TestTemperatureCalibration: the temperature of overconfident validation predictions is
// kept, softening them (T near the factor their logits were multiplied by), with a measured
// decision; calibrated and timid predictions are left as they are, and a binary classifier
// gets no temperature decision (it takes a Platt scaling).
func TestTemperatureCalibration(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := &Pipeline{now: time.Now}
	for _, c := range []struct {
		n       int
		sharpen float64
		keep    bool
		why     string
	}{
		{2000, 3, true, "softens its overconfident probabilities"},
		{40, 4, true, "softens its overconfident probabilities"},
		{2000, 1, false, "within the noise"},
		{2000, 0.4, false, "would sharpen"},
	} {
		val := softmaxScored(r, c.n, 5, c.sharpen)
		cal, d := p.temperatureCalibration(val, "test rows", 1)
		if d == nil {
			t.Fatalf("%d rows, logits ×%v: no decision", c.n, c.sharpen)
		}
		if (cal != nil) != c.keep || !strings.Contains(d.Reasoning, c.why) {
			t.Errorf("%d rows, logits ×%v: calibration %v, decision %q (%s); want kept %v, saying %q", c.n, c.sharpen, cal, d.Decision, d.Reasoning, c.keep, c.why)
		}
		ev := d.Evidence
		if before, after := ev["logloss_before"].(float64), ev["logloss_after"].(float64); c.keep && !(after < before && d.Confidence >= calibrationLead) {
			t.Errorf("%d rows, logits ×%v: kept with cross-fitted log loss %.4f against %.4f, confidence %.3f", c.n, c.sharpen, after, before, d.Confidence)
		}
		if c.keep && c.n > 1000 && math.Abs(cal.Temperature-c.sharpen) > 0.3 {
			t.Errorf("%d rows, logits ×%v: temperature %v, want about %v", c.n, c.sharpen, cal.Temperature, c.sharpen)
		}
	}
	bin := &scored{task: automl.Binary, classes: []string{"no", "yes"}, width: 2, y: []float64{0, 1, 0, 1, 1}, proba: []float64{0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7, 0.1, 0.9}}
	if cal, d := p.temperatureCalibration(bin, "test rows", 1); cal != nil || d != nil {
		t.Errorf("binary predictions: temperature %v, decision %v; want none", cal, d)
	}
}

// logisticScored returns n binary validation rows whose labels follow σ(z), z ~ N(0.5, 2²),
// scored σ(z·sharpen): overconfident above 1, timid below.
func logisticScored(r *rand.Rand, n int, sharpen float64) *scored {
	s := &scored{task: automl.Binary, classes: []string{"no", "yes"}, width: 2, threshold: 0.5, pos: 1}
	for range n {
		z := 0.5 + 2*r.NormFloat64()
		y := 0.0
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		p := 1 / (1 + math.Exp(-sharpen*z))
		s.y, s.proba = append(s.y, y), append(s.proba, 1-p, p)
	}
	return s
}

// TestCheckedPlattCalibration: a binary classifier's overconfident held-out predictions get
// the Platt scaling a binary model of rows takes (slope near the inverse of the factor their
// log-odds were multiplied by), kept with a measured decision; calibrated and timid ones are
// left as they are, with the decision saying why, and a multiclass classifier gets no Platt
// decision (it takes a temperature).
func TestCheckedPlattCalibration(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	p := &Pipeline{now: time.Now}
	for _, c := range []struct {
		n       int
		sharpen float64
		keep    bool
		why     string
	}{
		{2000, 3, true, "softens its overconfident probabilities"},
		{60, 5, true, "softens its overconfident probabilities"},
		{2000, 1, false, "within the noise"},
		{2000, 0.4, false, "slope above 1 would sharpen"},
	} {
		val := logisticScored(r, c.n, c.sharpen)
		cal, d := p.checkedPlattCalibration(t.Context(), val, "test rows", 1)
		if d == nil {
			t.Fatalf("%d rows, log-odds ×%v: no decision", c.n, c.sharpen)
		}
		if (cal != nil) != c.keep || !strings.Contains(d.Reasoning, c.why) {
			t.Errorf("%d rows, log-odds ×%v: calibration %v, decision %q (%s); want kept %v, saying %q", c.n, c.sharpen, cal, d.Decision, d.Reasoning, c.keep, c.why)
		}
		ev := d.Evidence
		if ev["slope"] == nil || ev["temperature"] != nil {
			t.Errorf("%d rows, log-odds ×%v: evidence %v, want a slope and no temperature", c.n, c.sharpen, ev)
		}
		if before, after := ev["logloss_before"].(float64), ev["logloss_after"].(float64); c.keep && !(after < before) {
			t.Errorf("%d rows, log-odds ×%v: kept with cross-fitted log loss %.4f against %.4f", c.n, c.sharpen, after, before)
		}
		if c.keep && c.n > 1000 && math.Abs(cal.A-1/c.sharpen) > 0.05 {
			t.Errorf("%d rows, log-odds ×%v: slope %v, want about %v", c.n, c.sharpen, cal.A, 1/c.sharpen)
		}
	}
	if cal, d := p.checkedPlattCalibration(t.Context(), softmaxScored(r, 200, 5, 3), "test rows", 1); cal != nil || d != nil {
		t.Errorf("multiclass predictions: Platt scaling %v, decision %v; want none", cal, d)
	}
}
