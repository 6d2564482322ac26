package model

import (
	"fmt"
	"math"
)

// Calibration maps a classifier's blended class probabilities to ones a
// user can read; it is fitted on held-out predictions. A model chosen on a
// ranking metric (AUC) or on accuracy may give probabilities squeezed toward
// the base rate, skewed, or overconfident.
//
// A binary classifier takes a Platt scaling: the blended probability p of
// the positive class (Classes[1]) becomes p' = σ(A·logit(p) + B), with p
// clamped to [calibrationEps, 1-calibrationEps] so that the log-odds stay
// finite, and the model's Threshold applies to p'.
//
// A multiclass classifier takes a temperature scaling: the probabilities
// p_i become softmax(log p_i / T), that is p_i^(1/T) normalized, each p_i
// clamped below at calibrationEps. T > 1 softens an overconfident model,
// T < 1 sharpens a timid one; the order of the classes, and so the label,
// is kept. One parameter, it calibrates blended probabilities as well as a
// network's softmax.
type Calibration struct {
	// A is the slope on the log-odds of a binary classifier; positive, so
	// the order of the rows is kept. Zero for a temperature scaling.
	A float64 `json:"a,omitempty"`
	// B is the intercept of a binary classifier's Platt scaling.
	B float64 `json:"b,omitempty"`
	// Temperature is T of a multiclass classifier's temperature scaling;
	// zero (absent) for a Platt scaling.
	Temperature float64 `json:"temperature,omitempty"`
}

// calibrationEps bounds the probability whose log-odds the calibration
// takes.
const calibrationEps = 1e-15

// Apply returns the Platt-calibrated probability of the positive class for
// its blended probability p.
func (c *Calibration) Apply(p float64) float64 {
	return 1 / (1 + math.Exp(-(c.A*LogOdds(p) + c.B)))
}

// LogOdds is the log-odds log(p/(1-p)) a Calibration takes of the
// probability p, clamped to [calibrationEps, 1-calibrationEps]; a
// calibration is fitted on it.
func LogOdds(p float64) float64 {
	p = min(max(p, calibrationEps), 1-calibrationEps)
	return math.Log(p) - math.Log1p(-p)
}

// Calibrate replaces the blended class probabilities of one row by the
// calibrated ones, as every prediction path returns them: [1-p', p'] for a
// Platt scaling, the temperature-scaled probabilities otherwise.
func (c *Calibration) Calibrate(probs []float64) {
	if c.Temperature > 0 {
		soften(probs, 1/c.Temperature)
		return
	}
	p := c.Apply(probs[1])
	probs[0], probs[1] = 1-p, p
}

// Softens reports whether c draws the probabilities toward uniform rather
// than toward 0 and 1: a temperature above 1, or a Platt slope below 1 (its
// intercept shifts the log-odds without sharpening them). Fitted on the
// held-out predictions of a model that errs on few of them, a calibration
// that sharpens is fitted mostly to rows the model labels right; what it
// costs on the next confident error cannot be measured there.
func (c *Calibration) Softens() bool {
	if c.Temperature != 0 {
		return c.Temperature > 1
	}
	return c.A < 1
}

// soften replaces probs by softmax(beta·log probs), each probability
// clamped below at calibrationEps: the temperature scaling with T = 1/beta.
func soften(probs []float64, beta float64) {
	for i, p := range probs {
		probs[i] = math.Log(max(p, calibrationEps))
	}
	softmaxScaled(probs, beta)
}

// softmaxScaled replaces z by softmax(beta·z).
func softmaxScaled(z []float64, beta float64) {
	for i := range z {
		z[i] *= beta
	}
	softmax(z)
}

// Temperatures a fitted temperature scaling stays within: beyond them the
// model's probabilities are all but uniform, or all but one-hot.
const (
	minTemperature = 0.01
	maxTemperature = 100
)

// temperatureSteps bounds the Newton steps of FitTemperature; a handful
// reach the minimum, up to about 40 halvings when it lies at a bound.
const temperatureSteps = 60

// FitTemperature returns the temperature scaling of a multiclass classifier
// that minimizes the log loss of its held-out predictions: proba holds one
// row of width class probabilities per label in y (class indexes). The
// mean log loss of softmax(β·log p) is convex in β = 1/T: its slope is the
// mean over rows of E_q[log p] - log p_y, its curvature the mean variance
// of log p under q = softmax(β·log p). FitTemperature takes Newton steps on
// β from 1, halving (in log scale) the interval known to hold the minimum
// instead when a step leaves it, within [1/maxTemperature,
// 1/minTemperature]; it ends at a bound when the minimum lies beyond it.
func FitTemperature(proba []float64, width int, y []float64) Calibration {
	logs := make([]float64, len(proba))
	for i, p := range proba {
		logs[i] = math.Log(max(p, calibrationEps))
	}
	lo, hi, beta := 1.0/maxTemperature, 1.0/minTemperature, 1.0
	q := make([]float64, width)
	for range temperatureSteps {
		slope, curve := temperatureSlope(logs, width, y, beta, q)
		if slope > 0 {
			hi = beta
		} else {
			lo = beta
		}
		next := beta - slope/curve
		if !(next > lo && next < hi) {
			next = math.Sqrt(lo * hi)
		}
		done := math.Abs(next-beta) <= 1e-12*beta
		beta = next
		if done {
			break
		}
	}
	return Calibration{Temperature: 1 / beta}
}

// temperatureSlope returns the first and second derivatives in β of the
// mean log loss of softmax(β·logs) over the rows of logs (width
// log-probabilities each, labeled y), using q as scratch.
func temperatureSlope(logs []float64, width int, y []float64, beta float64, q []float64) (slope, curve float64) {
	for i, c := range y {
		row := logs[i*width : (i+1)*width]
		copy(q, row)
		softmaxScaled(q, beta)
		mean, sq := 0.0, 0.0
		for j, l := range row {
			mean += q[j] * l
			sq += q[j] * l * l
		}
		slope += mean - row[int(c)]
		curve += sq - mean*mean
	}
	n := float64(len(y))
	return slope / n, curve / n
}

// settle turns the blended class probabilities of one row into the model's
// output: it calibrates them in place when the model has a Calibration and
// returns the index of the class to label the row with. Every prediction
// path ends a row with it.
func (a *Artifact) settle(probs []float64) int {
	if a.Calibration != nil {
		a.Calibration.Calibrate(probs)
	}
	return a.ClassOf(probs)
}

// validate checks that c can calibrate a model of the given task: a Platt
// scaling a binary classifier, a temperature scaling a multiclass one.
func (c *Calibration) validate(task string) error {
	switch task {
	case Binary:
		if c.Temperature != 0 {
			return fmt.Errorf("temperature %v on a binary model (a binary classifier takes a Platt scaling)", c.Temperature)
		}
		if !(c.A > 0) || math.IsInf(c.A, 0) || math.IsNaN(c.B) || math.IsInf(c.B, 0) {
			return fmt.Errorf("calibration slope %v and intercept %v: want a finite positive slope and a finite intercept", c.A, c.B)
		}
	case Multiclass:
		if c.A != 0 || c.B != 0 {
			return fmt.Errorf("platt scaling (slope %v, intercept %v) on a multiclass model (a multiclass classifier takes a temperature)", c.A, c.B)
		}
		if !(c.Temperature > 0) || math.IsInf(c.Temperature, 0) {
			return fmt.Errorf("calibration temperature %v: want a finite positive temperature", c.Temperature)
		}
	default:
		return fmt.Errorf("calibration on a %s model (only classifiers take one)", task)
	}
	return nil
}
