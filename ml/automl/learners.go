package automl

import (
	"context"
	"fmt"
	"strconv"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/text"
)

// fitted is a model of any family, with the boosting iterations it kept.
type fitted struct {
	gbdt       *gbdt.Model
	linear     *linear.Model
	text       *text.Logistic
	iterations int
}

// objective is the GBDT objective of a task.
func objective(task string) string {
	switch task {
	case Binary:
		return "binary"
	case Multiclass:
		return "multiclass"
	}
	return "regression"
}

// gbdtParams resolves a GBDT or Forest candidate's parameters for d.
func gbdtParams(d *Data, c Candidate, cfg *Config) (gbdt.Params, error) {
	p, err := gbdt.ParamsFromMap(objective(d.Task), c.Params)
	if err != nil {
		return p, err
	}
	if d.Task == Multiclass {
		p.NumClass = d.NumClass
	}
	if cfg.BalanceClasses && d.Task != Regression {
		p.ClassWeight = balancedWeights(d.Label, d.NumClass)
	}
	if _, ok := c.Params["seed"]; !ok {
		p.Seed = int64(cfg.Seed)
	}
	return p, nil
}

// balancedWeights gives each class the weight n/(K·n_k), as scikit-learn's
// class_weight="balanced".
func balancedWeights(label []float64, k int) []float64 {
	counts := make([]float64, k)
	for _, y := range label {
		if i := int(y); i >= 0 && i < k {
			counts[i]++
		}
	}
	w := make([]float64, k)
	for i, c := range counts {
		if c > 0 {
			w[i] = float64(len(label)) / (float64(k) * c)
		} else {
			w[i] = 1
		}
	}
	return w
}

// treeDataset gathers rows idx of the tree encoding (all rows when idx is nil).
func treeDataset(d *Data, idx []int) *gbdt.Dataset {
	ds := &gbdt.Dataset{Features: make([]gbdt.Feature, len(d.Trees.Cols))}
	for j, col := range d.Trees.Cols {
		f := gbdt.Feature{Name: d.Trees.Names[j], Values: col}
		if idx != nil {
			f.Values = gather(col, idx)
		}
		if j < len(d.Trees.Categorical) {
			f.Categorical = d.Trees.Categorical[j]
		}
		ds.Features[j] = f
	}
	ds.Label, ds.Weight = d.Label, d.Weight
	if idx != nil {
		ds.Label, ds.Weight = gather(d.Label, idx), gather(d.Weight, idx)
	}
	return ds
}

// linearParams resolves a Linear candidate's parameters for a fit on rows
// whose total weight is sumW.
func linearParams(d *Data, c Candidate, cfg *Config, sumW float64) (linear.Params, error) {
	p := linear.Params{}
	switch d.Task {
	case Binary:
		p.Task = linear.Binary
	case Multiclass:
		p.Task, p.NumClasses = linear.Multiclass, d.NumClass
	default:
		p.Task = linear.Regression
	}
	p.BalancedClassWeights = cfg.BalanceClasses && d.Task != Regression
	for k, v := range c.Params {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x <= 0 {
			return p, fmt.Errorf("linear parameter %s=%q: want a positive number", k, v)
		}
		switch k {
		case "c":
			p.L2 = 1 / (x * sumW)
		case "alpha":
			p.L2 = x / sumW
		case "max_iter":
			p.MaxIter = int(x)
		default:
			return p, fmt.Errorf("unknown linear parameter %q (want c, alpha or max_iter)", k)
		}
	}
	return p, nil
}

func sumWeights(w []float64, n int) float64 {
	if w == nil {
		return float64(n)
	}
	s := 0.0
	for _, x := range w {
		s += x
	}
	return s
}

// fit trains candidate c on rows train (all rows when nil), early-stopping
// GBDT on rows valid when the candidate asks for it. When ctx ends during
// training, fit returns the model so far with the error, if it got as far
// as one tree or one optimizer step.
func fit(ctx context.Context, d *Data, c Candidate, cfg *Config, train, valid []int) (fitted, error) {
	switch c.Learner {
	case GBDT, Forest:
		p, err := gbdtParams(d, c, cfg)
		if err != nil {
			return fitted{}, err
		}
		var opt gbdt.Options
		if p.EarlyStoppingRound > 0 && valid != nil {
			opt.Valid = treeDataset(d, valid)
		}
		m, err := gbdt.Train(ctx, p, treeDataset(d, train), opt)
		if m == nil || (err != nil && m.Iterations == 0) {
			return fitted{}, err // nothing learned before the deadline
		}
		return fitted{gbdt: m, iterations: m.Iterations}, err
	case Linear:
		if d.Linear == nil {
			return fitted{}, fmt.Errorf("no linear encoding of the data")
		}
		x, y, w := d.Linear.Cols, d.Label, d.Weight
		if train != nil {
			x, y, w = gatherCols(x, train), gather(y, train), gather(w, train)
		}
		p, err := linearParams(d, c, cfg, sumWeights(w, len(y)))
		if err != nil {
			return fitted{}, err
		}
		m, err := linear.Fit(ctx, x, y, w, p)
		if m == nil {
			return fitted{}, err
		}
		return fitted{linear: m, iterations: m.Iterations}, err
	case Text:
		return fitText(ctx, d, c, cfg, train)
	}
	return fitted{}, fmt.Errorf("unknown learner %q", c.Learner)
}

// width is the number of prediction values per row: class probabilities, or
// the value of a regression.
func width(d *Data) int {
	if d.Task == Regression {
		return 1
	}
	return d.NumClass
}

// predict writes the predictions of m for rows idx into out, row-major with
// width(d) values per row.
func predict(d *Data, m fitted, idx []int, out []float64) error {
	w := width(d)
	switch {
	case m.gbdt != nil:
		cols := gatherCols(d.Trees.Cols, idx)
		p, err := m.gbdt.PredictColumns(cols, false)
		if err != nil {
			return err
		}
		if d.Task == Binary {
			for i, v := range p {
				out[i*2], out[i*2+1] = 1-v, v
			}
			return nil
		}
		copy(out, p)
	case m.text != nil:
		for i, r := range m.text.PredictProba(d.Text.SelectRows(idx)) {
			copy(out[i*w:(i+1)*w], r)
		}
	case m.linear != nil:
		rows := m.linear.PredictProbaBatch(gatherCols(d.Linear.Cols, idx))
		for i, r := range rows {
			copy(out[i*w:(i+1)*w], r)
		}
	default:
		return fmt.Errorf("no model")
	}
	return nil
}
