package explain

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// Scorer returns the loss (lower is better) of a model on validation data
// given as feature columns.
type Scorer func(cols [][]float64) (float64, error)

// PermutationResult holds permutation importances per group.
type PermutationResult struct {
	// Base is the loss on the unshuffled data.
	Base float64
	// Mean is the mean increase of the loss per group over the repeats.
	Mean []float64
	// Std is its standard deviation over the repeats.
	Std []float64
}

// Permutation shuffles the rows of each group of columns (the same
// permutation for every column of a group, so a one-hot block stays one
// category per row) and records how much the loss rises. Repeats default to
// 5; the permutations come from seed alone. cols is not modified.
func Permutation(ctx context.Context, cols [][]float64, groups [][]int, score Scorer, repeats int, seed uint64) (*PermutationResult, error) {
	if repeats <= 0 {
		repeats = 5
	}
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	for g, js := range groups {
		for _, j := range js {
			if j < 0 || j >= len(cols) {
				return nil, fmt.Errorf("permutation importance: group %d refers to column %d of %d", g, j, len(cols))
			}
		}
	}
	base, err := score(cols)
	if err != nil {
		return nil, fmt.Errorf("permutation importance: %w", err)
	}
	res := &PermutationResult{Base: base, Mean: make([]float64, len(groups)), Std: make([]float64, len(groups))}
	work := append([][]float64(nil), cols...)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	perm := make([]int, n)
	drops := make([]float64, repeats)
	for g, js := range groups {
		shuffled := make([][]float64, len(js))
		for i := range shuffled {
			shuffled[i] = make([]float64, n)
		}
		for r := range repeats {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			for i := range perm {
				perm[i] = i
			}
			rng.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
			for i, j := range js {
				src, dst := cols[j], shuffled[i]
				for row, from := range perm {
					dst[row] = src[from]
				}
				work[j] = dst
			}
			loss, err := score(work)
			if err != nil {
				return nil, fmt.Errorf("permutation importance: %w", err)
			}
			drops[r] = loss - base
		}
		for _, j := range js {
			work[j] = cols[j]
		}
		mean := 0.0
		for _, d := range drops {
			mean += d
		}
		mean /= float64(repeats)
		ss := 0.0
		for _, d := range drops {
			ss += (d - mean) * (d - mean)
		}
		res.Mean[g], res.Std[g] = mean, math.Sqrt(ss/float64(repeats))
	}
	return res, nil
}
