package automl

import (
	"context"
	"fmt"
	"strconv"

	"github.com/trainyard/trainyard/ml/text"
)

// textGrid is the order in which text candidates are tried: C from the
// value that suits TF-IDF best in practice (10) outward.
var textGrid = []float64{10, 1, 100, 3, 30}

// textCandidate is the i-th text candidate.
func textCandidate(i int) Candidate {
	return Candidate{Learner: Text, Params: map[string]string{"c": strconv.FormatFloat(textGrid[i], 'g', -1, 64)}}
}

// fitText fits logistic regression on the sparse text encoding of rows
// train (all rows when nil).
func fitText(ctx context.Context, d *Data, c Candidate, cfg *Config, train []int) (fitted, error) {
	if d.Text == nil || d.Task == Regression {
		return fitted{}, fmt.Errorf("no text encoding of the data (or a regression)")
	}
	p := text.LogisticParams{C: 10, MaxIter: 300}
	for k, v := range c.Params {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x <= 0 {
			return fitted{}, fmt.Errorf("text parameter %s=%q: want a positive number", k, v)
		}
		switch k {
		case "c":
			p.C = x
		case "max_iter":
			p.MaxIter = int(x)
		default:
			return fitted{}, fmt.Errorf("unknown text parameter %q (want c or max_iter)", k)
		}
	}
	x, y, w := d.Text, d.Label, d.Weight
	if train != nil {
		x, y, w = x.SelectRows(train), gather(y, train), gather(w, train)
	}
	if cfg.BalanceClasses {
		cw := balancedWeights(y, d.NumClass)
		w2 := make([]float64, len(y))
		for i, l := range y {
			w2[i] = cw[int(l)]
			if w != nil {
				w2[i] *= w[i]
			}
		}
		w = w2
	}
	labels := make([]int, len(y))
	for i, l := range y {
		labels[i] = int(l)
	}
	p.Weights = w
	m, err := text.FitLogistic(ctx, x, labels, d.NumClass, p)
	if err != nil {
		return fitted{}, err
	}
	return fitted{text: m, iterations: m.Iterations}, nil
}
