// Package metrics scores predictions: classification (accuracy, balanced
// accuracy, precision/recall/F1, ROC AUC, average precision, log loss,
// Brier score, confusion matrix, calibration, ROC and precision-recall
// curves, threshold selection) and regression (RMSE, MAE, R², MAPE,
// residual summaries), plus a registry of metrics by name for model search
// and a Summary of the standard set for reports.
//
// Inputs are plain slices. Class labels and predicted classes are class
// indices 0..K-1 stored as float64; binary scores are the score or
// probability of class 1; class probabilities are one []float64 of K values
// per row. Definitions follow scikit-learn, and the tests hold them to it;
// deviations are documented on each function. Metrics are unweighted.
//
// A NaN anywhere in the predictions is an error (ErrNaN), never a silently
// wrong number.
package metrics

import (
	"errors"
	"fmt"
	"math"
)

var (
	// ErrNaN reports a NaN in predictions or targets.
	ErrNaN = errors.New("NaN in input")
	// ErrOneClass reports a ranking metric (ROC AUC, average precision) on
	// labels of a single class, where it is undefined.
	ErrOneClass = errors.New("only one class present")
	// ErrBadInput reports mismatched lengths, empty input, or labels outside
	// the class range.
	ErrBadInput = errors.New("bad input")
)

func badInput(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBadInput)
}

// checkLen verifies that n > 0 and every other length equals n.
func checkLen(n int, others ...int) error {
	if n == 0 {
		return badInput("no rows")
	}
	for _, m := range others {
		if m != n {
			return badInput("lengths %d and %d differ", n, m)
		}
	}
	return nil
}

// checkClasses verifies that v holds class indices in [0, k).
func checkClasses(what string, v []float64, k int) error {
	for i, c := range v {
		if math.IsNaN(c) {
			return fmt.Errorf("%s of row %d: %w", what, i, ErrNaN)
		}
		if c != math.Trunc(c) || c < 0 || c >= float64(k) {
			return badInput("%s of row %d is %v, want a class index in [0, %d)", what, i, c, k)
		}
	}
	return nil
}

// checkFinite rejects NaN values (infinite scores are allowed: they still
// order rows).
func checkNotNaN(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) {
			return fmt.Errorf("%s of row %d: %w", what, i, ErrNaN)
		}
	}
	return nil
}

// checkProba verifies a probability matrix of n rows and k columns.
func checkProba(proba [][]float64, n, k int) error {
	if len(proba) != n {
		return badInput("%d probability rows for %d labels", len(proba), n)
	}
	for i, row := range proba {
		if len(row) != k {
			return badInput("probability row %d has %d values, want %d", i, len(row), k)
		}
		if err := checkNotNaN("probability", row); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return nil
}

// numClasses is one more than the largest label, at least 2.
func numClasses(y ...[]float64) int {
	k := 2
	for _, v := range y {
		for _, c := range v {
			if c >= 0 && c < 1<<30 {
				k = max(k, int(c)+1)
			}
		}
	}
	return k
}

// binaryCheck verifies binary labels and scores of equal length.
func binaryCheck(y, score []float64) error {
	if err := checkLen(len(y), len(score)); err != nil {
		return err
	}
	if err := checkClasses("label", y, 2); err != nil {
		return err
	}
	return checkNotNaN("score", score)
}
