package pipeline

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/model"
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

// TestHeldOutCalibration: the scaling of overconfident held-out predictions is kept, softening
// them, with a measured decision: a multiclass classifier's temperature near the factor its
// logits were multiplied by, a binary one's Platt slope near its inverse. Calibrated and timid
// predictions are left as they are, with the decision saying why, and predictions of the other
// task get no decision of that kind (a binary classifier takes a Platt scaling, a multiclass one
// a temperature).
func TestHeldOutCalibration(t *testing.T) {
	p := &Pipeline{now: time.Now}
	type run struct {
		n       int
		sharpen float64
		keep    bool
		why     string
	}
	for _, k := range []struct {
		name      string
		seed      uint64
		draw      func(r *rand.Rand, n int, sharpen float64) *scored
		calibrate func(val *scored) (*model.Calibration, *decision.Decision)
		// param is the evidence key of the scaling's parameter, got reads it, want is where it
		// should land for predictions sharpened by a factor, within tol; other is the evidence
		// key of the other scaling's parameter.
		param, other string
		got          func(c *model.Calibration) float64
		want         func(sharpen float64) float64
		tol          float64
		runs         []run
		otherTask    func(r *rand.Rand) *scored
	}{
		{
			name: "temperature", seed: 3,
			draw: func(r *rand.Rand, n int, sharpen float64) *scored { return softmaxScored(r, n, 5, sharpen) },
			calibrate: func(val *scored) (*model.Calibration, *decision.Decision) {
				return p.temperatureCalibration(val, "test rows", 1)
			},
			param: "temperature", other: "slope",
			got:  func(c *model.Calibration) float64 { return c.Temperature },
			want: func(sharpen float64) float64 { return sharpen }, tol: 0.3,
			runs: []run{
				{2000, 3, true, "softens its overconfident probabilities"},
				{40, 4, true, "softens its overconfident probabilities"},
				{2000, 1, false, "within the noise"},
				{2000, 0.4, false, "would sharpen"},
			},
			otherTask: func(r *rand.Rand) *scored { return logisticScored(r, 200, 3) },
		},
		{
			name: "Platt scaling", seed: 5,
			draw: logisticScored,
			calibrate: func(val *scored) (*model.Calibration, *decision.Decision) {
				return p.checkedPlattCalibration(t.Context(), val, "test rows", 1)
			},
			param: "slope", other: "temperature",
			got:  func(c *model.Calibration) float64 { return c.A },
			want: func(sharpen float64) float64 { return 1 / sharpen }, tol: 0.05,
			runs: []run{
				{2000, 3, true, "softens its overconfident probabilities"},
				{60, 5, true, "softens its overconfident probabilities"},
				{2000, 1, false, "within the noise"},
				{2000, 0.4, false, "slope above 1 would sharpen"},
			},
			otherTask: func(r *rand.Rand) *scored { return softmaxScored(r, 200, 5, 3) },
		},
	} {
		r := rand.New(rand.NewPCG(k.seed, k.seed+1))
		for _, c := range k.runs {
			cal, d := k.calibrate(k.draw(r, c.n, c.sharpen))
			if d == nil {
				t.Fatalf("%s, %d rows sharpened ×%v: no decision", k.name, c.n, c.sharpen)
			}
			if (cal != nil) != c.keep || !strings.Contains(d.Reasoning, c.why) {
				t.Errorf("%s, %d rows sharpened ×%v: calibration %v, decision %q (%s); want kept %v, saying %q", k.name, c.n, c.sharpen, cal, d.Decision, d.Reasoning, c.keep, c.why)
			}
			ev := d.Evidence
			if ev[k.param] == nil || ev[k.other] != nil {
				t.Errorf("%s, %d rows sharpened ×%v: evidence %v, want a %s and no %s", k.name, c.n, c.sharpen, ev, k.param, k.other)
			}
			if before, after := ev["logloss_before"].(float64), ev["logloss_after"].(float64); c.keep && !(after < before && d.Confidence >= calibrationLead) {
				t.Errorf("%s, %d rows sharpened ×%v: kept with cross-fitted log loss %.4f against %.4f, confidence %.3f", k.name, c.n, c.sharpen, after, before, d.Confidence)
			}
			if c.keep && c.n > 1000 && math.Abs(k.got(cal)-k.want(c.sharpen)) > k.tol {
				t.Errorf("%s, %d rows sharpened ×%v: %s %v, want about %v", k.name, c.n, c.sharpen, k.param, k.got(cal), k.want(c.sharpen))
			}
		}
		if cal, d := k.calibrate(k.otherTask(r)); cal != nil || d != nil {
			t.Errorf("predictions of the other task: %s %v, decision %v; want none", k.name, cal, d)
		}
	}
}
