package split

import (
	"fmt"
	"math"
	"slices"
)

// KFold divides n rows at random into k folds whose sizes differ by at most
// one. Each row is in the validation part of exactly one fold.
func KFold(n, k int, seed uint64) ([]Fold, error) {
	if err := checkK(n, k); err != nil {
		return nil, err
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	shuffle(newRand(seed), idx)
	assign := make([]int, n)
	for j, i := range idx {
		assign[i] = j % k
	}
	return foldsFromAssignment(assign, k), nil
}

// StratifiedKFold divides rows into k folds that keep the class proportions
// of y (a label per row; NaN is an error): each class's rows are shuffled
// and dealt to the folds in turn, continuing where the previous class
// stopped, so every fold holds within one row of its share of each class and
// fold sizes differ by at most one. A class with fewer than k rows is
// absent from some validation folds.
func StratifiedKFold(y []float64, k int, seed uint64) ([]Fold, error) {
	if err := checkK(len(y), k); err != nil {
		return nil, err
	}
	classes, err := classIndex(y)
	if err != nil {
		return nil, err
	}
	return stratifiedFolds(classes, len(y), k, seed), nil
}

func stratifiedFolds(classes [][]int, n, k int, seed uint64) []Fold {
	r := newRand(seed)
	assign := make([]int, n)
	j := 0
	for _, rows := range classes {
		rows = slices.Clone(rows)
		shuffle(r, rows)
		for _, i := range rows {
			assign[i] = j % k
			j++
		}
	}
	return foldsFromAssignment(assign, k)
}

// QuantileKFold is stratified k-fold for a numeric target: rows are ranked by
// y and cut into bins of equal count (at most bins of them, and at least k
// rows each), and the bins are stratified like classes, so every fold covers
// the whole range of the target. NaN targets are an error.
func QuantileKFold(y []float64, k, bins int, seed uint64) ([]Fold, error) {
	n := len(y)
	if err := checkK(n, k); err != nil {
		return nil, err
	}
	for i, v := range y {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("target of row %d is NaN", i)
		}
	}
	bins = max(1, min(bins, n/k))
	classes := quantileBins(y, bins)
	return stratifiedFolds(classes, n, k, seed), nil
}

// quantileBins ranks rows by y (ties in row order) and cuts them into bins
// of equal count; it returns the rows of each bin in ascending order.
func quantileBins(y []float64, bins int) [][]int {
	n := len(y)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case y[a] < y[b]:
			return -1
		case y[a] > y[b]:
			return 1
		}
		return 0
	})
	classes := make([][]int, bins)
	for rank, i := range order {
		b := rank * bins / n
		classes[b] = append(classes[b], i)
	}
	for _, rows := range classes {
		slices.Sort(rows)
	}
	return classes
}

// GroupKFold divides rows into k folds so that all rows of a group (any
// string key per row, such as a customer id) land in the same fold. Groups
// are shuffled with the seed and then placed, largest first, into the fold
// with the fewest rows, so fold sizes stay close when groups are small.
func GroupKFold(groups []string, k int, seed uint64) ([]Fold, error) {
	n := len(groups)
	if err := checkK(n, k); err != nil {
		return nil, err
	}
	names := slices.Clone(groups)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < k {
		return nil, fmt.Errorf("%d groups into %d folds: %w", len(names), k, ErrTooFewRows)
	}
	sizes := make([]int, len(names))
	gid := make([]int, n)
	for i, g := range groups {
		id, _ := slices.BinarySearch(names, g)
		gid[i] = id
		sizes[id]++
	}
	perm := make([]int, len(names))
	for i := range perm {
		perm[i] = i
	}
	shuffle(newRand(seed), perm)
	slices.SortStableFunc(perm, func(a, b int) int { return sizes[b] - sizes[a] })
	foldOf := make([]int, len(names))
	load := make([]int, k)
	for _, g := range perm {
		best := 0
		for f := 1; f < k; f++ {
			if load[f] < load[best] {
				best = f
			}
		}
		foldOf[g] = best
		load[best] += sizes[g]
	}
	assign := make([]int, n)
	for i, g := range gid {
		assign[i] = foldOf[g]
	}
	return foldsFromAssignment(assign, k), nil
}

func checkK(n, k int) error {
	if k < 2 {
		return fmt.Errorf("k-fold with k=%d: k must be at least 2", k)
	}
	if n < k {
		return fmt.Errorf("%d rows into %d folds: %w", n, k, ErrTooFewRows)
	}
	return nil
}
