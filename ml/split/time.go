package split

import (
	"fmt"
	"math"
	"slices"
)

// timeOrder returns row indices sorted by key, ties kept in row order. NaN
// keys (missing timestamps) are an error: a row without a time cannot be
// placed before or after the others.
func timeOrder(key []float64) ([]int, error) {
	for i, v := range key {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("ordering key of row %d is missing", i)
		}
	}
	order := make([]int, len(key))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case key[a] < key[b]:
			return -1
		case key[a] > key[b]:
			return 1
		}
		return 0
	})
	return order, nil
}

// TimeOrdered divides rows by an ordering key (for a datetime column, its
// values as Unix seconds or any monotone number): the earliest rows train,
// the next round(n*Valid) validate, and the latest round(n*Test) test. Rows
// with equal keys never straddle a boundary: a boundary inside a run of
// equal keys moves later, to the end of the run, so no test row is as old
// as a training row. The seed is not needed; nothing is random.
func TimeOrdered(key []float64, f Fractions) (Holdout, error) {
	if err := f.check(); err != nil {
		return Holdout{}, err
	}
	n := len(key)
	order, err := timeOrder(key)
	if err != nil {
		return Holdout{}, err
	}
	nValid, nTest := roundShare(n, f.Valid), roundShare(n, f.Test)
	trainEnd := snapForward(key, order, n-nValid-nTest)
	validEnd := max(trainEnd, snapForward(key, order, n-nTest))
	if trainEnd < 1 {
		return Holdout{}, fmt.Errorf("time-ordered holdout of %d rows: %w", n, ErrTooFewRows)
	}
	if (nValid > 0 && validEnd == trainEnd) || (nTest > 0 && validEnd == n) {
		return Holdout{}, fmt.Errorf("time-ordered holdout: too many rows share one time to fill every set; %w", ErrTooFewRows)
	}
	return makeHoldout(order[:trainEnd], order[trainEnd:validEnd], order[validEnd:]), nil
}

// snapForward moves a cut position in order to the end of the run of
// equal keys it falls into.
func snapForward(key []float64, order []int, cut int) int {
	if cut <= 0 || cut >= len(order) {
		return max(cut, 0)
	}
	for cut < len(order) && key[order[cut]] == key[order[cut-1]] {
		cut++
	}
	return cut
}

// TimeSeriesFolds is cross-validation forward in time: the rows, ordered by
// key, are cut into k+1 blocks of near-equal size; fold f trains on blocks
// 0..f and validates on block f+1 (an expanding window). Block boundaries
// move to the end of runs of equal keys, as in TimeOrdered.
func TimeSeriesFolds(key []float64, k int) ([]Fold, error) {
	n := len(key)
	if err := checkK(n, k+1); err != nil {
		return nil, err
	}
	order, err := timeOrder(key)
	if err != nil {
		return nil, err
	}
	cuts := make([]int, k+2)
	for b := 1; b <= k; b++ {
		cuts[b] = max(cuts[b-1], snapForward(key, order, b*n/(k+1)))
	}
	cuts[k+1] = n
	folds := make([]Fold, 0, k)
	for f := 0; f < k; f++ {
		train, valid := order[:cuts[f+1]], order[cuts[f+1]:cuts[f+2]]
		if len(train) == 0 || len(valid) == 0 {
			return nil, fmt.Errorf("time-series folds: block %d is empty because many rows share one time; %w", f+1, ErrTooFewRows)
		}
		h := makeHoldout(train, valid, nil)
		folds = append(folds, Fold{Train: h.Train, Valid: h.Valid})
	}
	return folds, nil
}
