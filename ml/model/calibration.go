package model

import (
	"fmt"
	"math"
)

// Calibration is a Platt scaling of a binary classifier's probabilities:
// the blended probability p of the positive class (Classes[1]) becomes
// p' = σ(A·logit(p) + B), with p clamped to [calibrationEps, 1-calibrationEps]
// so that the log-odds stay finite. A model chosen on a ranking metric (AUC)
// may give probabilities squeezed toward the base rate or skewed; the
// calibration fitted on held-out predictions makes p' a probability a user
// can read, and the model's Threshold applies to p'.
type Calibration struct {
	// A is the slope on the log-odds; positive, so the order of the rows
	// is kept.
	A float64 `json:"a"`
	// B is the intercept.
	B float64 `json:"b"`
}

// calibrationEps bounds the probability whose log-odds the calibration
// takes.
const calibrationEps = 1e-15

// Apply returns the calibrated probability of the positive class for its
// blended probability p.
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

// settle turns the blended class probabilities of one row into the model's
// output: it calibrates them in place (a binary model with a Calibration
// gets [1-p', p']) and returns the index of the class to label the row
// with. Every prediction path ends a row with it.
func (a *Artifact) settle(probs []float64) int {
	if a.Calibration != nil {
		p := a.Calibration.Apply(probs[1])
		probs[0], probs[1] = 1-p, p
	}
	return a.ClassOf(probs)
}

// validate checks that c can calibrate a model of the given task.
func (c *Calibration) validate(task string) error {
	if task != Binary {
		return fmt.Errorf("calibration on a %s model (only binary classifiers take one)", task)
	}
	if !(c.A > 0) || math.IsInf(c.A, 0) || math.IsNaN(c.B) || math.IsInf(c.B, 0) {
		return fmt.Errorf("calibration slope %v and intercept %v: want a finite positive slope and a finite intercept", c.A, c.B)
	}
	return nil
}
