package split

import (
	"fmt"
	"math"
	"slices"
)

// RandomHoldout divides n rows at random into train, validation and test
// sets of sizes round(n*Valid) and round(n*Test); training gets the rest.
func RandomHoldout(n int, f Fractions, seed uint64) (Holdout, error) {
	if err := f.check(); err != nil {
		return Holdout{}, err
	}
	nValid, nTest := roundShare(n, f.Valid), roundShare(n, f.Test)
	if n-nValid-nTest < 1 {
		return Holdout{}, fmt.Errorf("holdout of %d rows: %w", n, ErrTooFewRows)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	shuffle(newRand(seed), idx)
	return makeHoldout(idx[nValid+nTest:], idx[:nValid], idx[nValid:nValid+nTest]), nil
}

// StratifiedHoldout divides rows into train, validation and test sets so
// that each set keeps the class proportions of y (a class label per row,
// any float values; NaN is an error). The set sizes are round(n*Valid) and
// round(n*Test) as in RandomHoldout; they are shared among the classes by
// largest remainder, so every class is within one row of its exact share.
// A class with too few rows for all three sets keeps its rows in training
// first, then in validation.
func StratifiedHoldout(y []float64, f Fractions, seed uint64) (Holdout, error) {
	if err := f.check(); err != nil {
		return Holdout{}, err
	}
	n := len(y)
	classes, err := classIndex(y)
	if err != nil {
		return Holdout{}, err
	}
	nValid, nTest := roundShare(n, f.Valid), roundShare(n, f.Test)
	if n-nValid-nTest < 1 {
		return Holdout{}, fmt.Errorf("holdout of %d rows: %w", n, ErrTooFewRows)
	}
	counts := make([]int, len(classes))
	for c, rows := range classes {
		counts[c] = len(rows)
	}
	testPer := allocate(counts, nTest)
	rest := make([]int, len(counts))
	for c := range counts {
		rest[c] = counts[c] - testPer[c]
	}
	validPer := allocate(rest, nValid)
	r := newRand(seed)
	var train, valid, test []int
	for c, rows := range classes {
		rows = slices.Clone(rows)
		shuffle(r, rows)
		t, v := testPer[c], validPer[c]
		test = append(test, rows[:t]...)
		valid = append(valid, rows[t:t+v]...)
		train = append(train, rows[t+v:]...)
	}
	return makeHoldout(train, valid, test), nil
}

// QuantileHoldout is StratifiedHoldout for a numeric target: rows are
// ranked by y and cut into at most bins bins of equal count, and each bin
// is divided like a class, so train, validation and test all cover the
// range of the target. NaN targets are an error.
func QuantileHoldout(y []float64, f Fractions, bins int, seed uint64) (Holdout, error) {
	for i, v := range y {
		if math.IsNaN(v) {
			return Holdout{}, fmt.Errorf("target of row %d is NaN", i)
		}
	}
	bins = max(1, min(bins, len(y)))
	label := make([]float64, len(y))
	for b, rows := range quantileBins(y, bins) {
		for _, i := range rows {
			label[i] = float64(b)
		}
	}
	return StratifiedHoldout(label, f, seed)
}

// roundShare is round(n*frac).
func roundShare(n int, frac float64) int {
	return int(math.Round(float64(n) * frac))
}

// allocate shares total among groups in proportion to counts (largest
// remainder, ties to the lower group index), never giving a group more than
// count-1 rows while other groups still have room, so small classes keep a
// training row. It never gives a group more than its count.
func allocate(counts []int, total int) []int {
	sum := 0
	for _, c := range counts {
		sum += c
	}
	out := make([]int, len(counts))
	if sum == 0 || total <= 0 {
		return out
	}
	type rem struct {
		group int
		frac  float64
	}
	rems := make([]rem, len(counts))
	given := 0
	for g, c := range counts {
		exact := float64(c) * float64(total) / float64(sum)
		out[g] = int(math.Floor(exact))
		if out[g] > c-1 && c > 0 {
			out[g] = max(c-1, 0)
		}
		given += out[g]
		rems[g] = rem{g, exact - math.Floor(exact)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return 0
	})
	// Two passes: first respect the keep-one-for-training cap, then, if the
	// total still is not reached, fill up to the full count.
	for pass := 0; pass < 2 && given < total; pass++ {
		for changed := true; changed && given < total; {
			changed = false
			for _, rm := range rems {
				if given == total {
					break
				}
				limit := counts[rm.group] - 1
				if pass == 1 {
					limit = counts[rm.group]
				}
				if out[rm.group] < limit {
					out[rm.group]++
					given++
					changed = true
				}
			}
		}
	}
	return out
}

func makeHoldout(train, valid, test []int) Holdout {
	h := Holdout{
		Train: slices.Clone(train),
		Valid: slices.Clone(valid),
		Test:  slices.Clone(test),
	}
	if h.Train == nil {
		h.Train = []int{}
	}
	if h.Valid == nil {
		h.Valid = []int{}
	}
	if h.Test == nil {
		h.Test = []int{}
	}
	slices.Sort(h.Train)
	slices.Sort(h.Valid)
	slices.Sort(h.Test)
	return h
}
