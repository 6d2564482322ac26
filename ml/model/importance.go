package model

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/trainyard/trainyard/ml/frame"
)

// PermutationImportance measures, on validation data f (input columns and
// the target), how much the loss rises when one input column's values are
// shuffled across rows: log loss for classifiers, mean squared error for
// regressions. Each column is shuffled repeats times (default 5) with
// permutations drawn from seed; the result holds the mean rise per column
// in Importance.Permutation, largest first. Rows without a target are
// skipped.
func (p *Predictor) PermutationImportance(ctx context.Context, f *frame.Frame, repeats int, seed uint64) ([]Importance, error) {
	if repeats <= 0 {
		repeats = 5
	}
	target := f.Col(p.a.Target)
	if target == nil {
		return nil, fmt.Errorf("permutation importance: target column %q not found", p.a.Target)
	}
	var keep []int
	for i := range target.Len() {
		if !target.Missing[i] {
			keep = append(keep, i)
		}
	}
	f = f.Take(keep)
	y, err := p.a.Pipelines[0].Label.Encode(f.Col(p.a.Target))
	if err != nil {
		return nil, fmt.Errorf("permutation importance: %w", err)
	}
	base, err := p.loss(ctx, f, y)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	n := f.NRows()
	perm := make([]int, n)
	var out []Importance
	for _, col := range p.a.Schema {
		j := f.Index(col.Name)
		if j < 0 {
			return nil, &frame.MissingColumnsError{Names: []string{col.Name}}
		}
		rise := 0.0
		for range repeats {
			for i := range perm {
				perm[i] = i
			}
			rng.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
			cols := slices.Clone(f.Columns)
			cols[j] = f.Columns[j].Take(perm)
			g, err := frame.New(cols...)
			if err != nil {
				return nil, fmt.Errorf("permutation importance: %w", err)
			}
			l, err := p.loss(ctx, g, y)
			if err != nil {
				return nil, err
			}
			rise += l - base
		}
		out = append(out, Importance{Column: col.Name, Permutation: rise / float64(repeats)})
	}
	slices.SortStableFunc(out, func(a, b Importance) int { return cmp.Compare(b.Permutation, a.Permutation) })
	return out, nil
}

// loss is the mean log loss (classifiers) or squared error (regression)
// of the predictions for f against y.
func (p *Predictor) loss(ctx context.Context, f *frame.Frame, y []float64) (float64, error) {
	b, err := p.PredictFrame(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("permutation importance: %w", err)
	}
	s := 0.0
	for i, yi := range y {
		if b.Values != nil {
			d := b.Values[i] - yi
			s += d * d
			continue
		}
		pr := b.Probabilities[i*b.Width+int(yi)]
		s -= math.Log(max(pr, 1e-15))
	}
	return s / float64(max(len(y), 1)), nil
}
