// Package split divides the rows of a table into training, validation and
// test sets: stratified and plain holdouts, stratified, plain, quantile-binned
// and group-aware k-fold cross-validation, and time-ordered splits.
//
// Every function is deterministic: the same inputs and seed give the same
// indices on every platform and every run. Randomness comes from a PCG
// generator seeded explicitly; no result depends on map iteration order.
// Returned index lists are sorted ascending, so gathers over them read the
// data sequentially.
package split

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ErrTooFewRows reports that a split was asked for more parts than the rows
// (or groups) can fill.
var ErrTooFewRows = errors.New("too few rows for the split")

// Fractions are the shares of the rows that go to validation and test; the
// rest is for training. Either may be zero.
type Fractions struct {
	Valid float64 `json:"valid"`
	Test  float64 `json:"test"`
}

func (f Fractions) check() error {
	if !(f.Valid >= 0 && f.Test >= 0 && f.Valid+f.Test < 1) {
		return fmt.Errorf("fractions valid=%v test=%v: each must be >= 0 and their sum < 1", f.Valid, f.Test)
	}
	return nil
}

// Holdout is a three-way division of row indices. Each row appears in
// exactly one of the lists, and each list is sorted ascending.
type Holdout struct {
	Train []int `json:"train"`
	Valid []int `json:"valid"`
	Test  []int `json:"test"`
}

// Fold is one round of cross-validation: fit on Train, score on Valid.
type Fold struct {
	Train []int `json:"train"`
	Valid []int `json:"valid"`
}

// newRand returns the generator every function in this package uses.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// shuffle permutes idx in place with r (Fisher-Yates).
func shuffle(r *rand.Rand, idx []int) {
	for i := len(idx) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
}

// classIndex maps labels to dense class ids 0..K-1 in ascending label order
// and returns the rows of each class in ascending row order. NaN labels are
// an error.
func classIndex(y []float64) ([][]int, error) {
	vals := make([]float64, 0, 8)
	for i, v := range y {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("label of row %d is NaN", i)
		}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	rows := make([][]int, len(vals))
	for i, v := range y {
		c, _ := slices.BinarySearch(vals, v)
		rows[c] = append(rows[c], i)
	}
	return rows, nil
}

// foldsFromAssignment turns a fold number per row into k folds.
func foldsFromAssignment(assign []int, k int) []Fold {
	sizes := make([]int, k)
	for _, f := range assign {
		sizes[f]++
	}
	folds := make([]Fold, k)
	for f := range folds {
		folds[f].Valid = make([]int, 0, sizes[f])
		folds[f].Train = make([]int, 0, len(assign)-sizes[f])
	}
	for i, a := range assign {
		for f := range folds {
			if f == a {
				folds[f].Valid = append(folds[f].Valid, i)
			} else {
				folds[f].Train = append(folds[f].Train, i)
			}
		}
	}
	return folds
}
