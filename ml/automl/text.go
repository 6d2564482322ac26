package automl

import (
	"context"
	"fmt"
	"strconv"

	"github.com/trainyard/trainyard/ml/text"
)

// The text learners a Text candidate names in its "model" parameter; no
// "model" means logistic regression.
const (
	textLogistic    = "logistic"
	textMultinomial = "multinomial_nb"
	textComplement  = "complement_nb"
	textRidge       = "ridge"
)

// textClassGrid is the order in which text candidates of a classifier are
// tried: logistic regression from the C that suits TF-IDF best in practice
// (10) outward, interleaved with naive Bayes (complement and multinomial,
// smoothing from 0.3 and 0.1), which fits in a fraction of the time and wins
// on short documents and small data.
var textClassGrid = []Candidate{
	textCand("", "c", "10"),
	textCand(textComplement, "alpha", "0.3"),
	textCand("", "c", "1"),
	textCand(textMultinomial, "alpha", "0.1"),
	textCand("", "c", "100"),
	textCand(textComplement, "alpha", "1"),
	textCand("", "c", "3"),
	textCand(textMultinomial, "alpha", "1"),
	textCand("", "c", "30"),
	textCand(textComplement, "alpha", "0.1"),
	textCand(textMultinomial, "alpha", "0.01"),
}

// textRegressionGrid is the order of the ridge penalties tried for a
// numeric target.
var textRegressionGrid = []Candidate{
	textCand(textRidge, "alpha", "1"),
	textCand(textRidge, "alpha", "0.3"),
	textCand(textRidge, "alpha", "3"),
	textCand(textRidge, "alpha", "0.1"),
	textCand(textRidge, "alpha", "10"),
}

func textCand(model, k, v string) Candidate {
	p := map[string]string{k: v}
	if model != "" {
		p["model"] = model
	}
	return Candidate{Learner: Text, Params: p}
}

// textGrid returns the text candidates of a task in the order they are
// tried.
func textGrid(task string) []Candidate {
	if task == Regression {
		return textRegressionGrid
	}
	return textClassGrid
}

// textParams are a text candidate's parameters, read.
type textParams struct {
	model   string
	c       float64 // logistic
	alpha   float64 // naive Bayes smoothing, ridge penalty
	maxIter int
}

func parseTextParams(task string, params map[string]string) (textParams, error) {
	p := textParams{model: textLogistic, c: 10, maxIter: 300}
	if task == Regression {
		p.model = textRidge
	}
	for k, v := range params {
		if k == "model" {
			switch v {
			case textLogistic, textMultinomial, textComplement, textRidge:
				p.model = v
			default:
				return p, fmt.Errorf("text model %q: want logistic, multinomial_nb, complement_nb or ridge", v)
			}
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x <= 0 {
			return p, fmt.Errorf("text parameter %s=%q: want a positive number", k, v)
		}
		switch k {
		case "c":
			p.c = x
		case "alpha":
			p.alpha = x
		case "max_iter":
			p.maxIter = int(x)
		default:
			return p, fmt.Errorf("unknown text parameter %q (want model, c, alpha or max_iter)", k)
		}
	}
	if (task == Regression) != (p.model == textRidge) {
		return p, fmt.Errorf("text model %q does not fit a %s task", p.model, task)
	}
	return p, nil
}

// fitText fits the text candidate c (logistic regression, naive Bayes or,
// for a numeric target, ridge regression) on the sparse text encoding of
// rows train (all rows when nil). Naive Bayes reads only the non-negative
// columns (TF-IDF, one-hot) and ignores sample and class weights.
func fitText(ctx context.Context, d *Data, c Candidate, cfg *Config, train []int) (fitted, error) {
	if d.Text == nil {
		return fitted{}, fmt.Errorf("no text encoding of the data")
	}
	p, err := parseTextParams(d.Task, c.Params)
	if err != nil {
		return fitted{}, err
	}
	x, y, w := d.Text, d.Label, d.Weight
	if train != nil {
		x, y, w = x.SelectRows(train), gather(y, train), gather(w, train)
	}
	if p.model == textRidge {
		return textFitted(text.FitRidge(ctx, x, y, text.RidgeParams{Alpha: p.alpha, MaxIter: p.maxIter, Weights: w}))
	}
	labels := make([]int, len(y))
	for i, l := range y {
		labels[i] = int(l)
	}
	switch p.model {
	case textMultinomial, textComplement:
		kind := text.Multinomial
		if p.model == textComplement {
			kind = text.Complement
		}
		m, err := text.FitBayesLinear(x, labels, d.NumClass, kind, p.alpha)
		if err != nil {
			return fitted{}, err
		}
		return fitted{text: m}, nil
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
	return textFitted(text.FitLogistic(ctx, x, labels, d.NumClass, text.LogisticParams{C: p.c, MaxIter: p.maxIter, Weights: w}))
}

// textFitted wraps an iterative text fit, keeping the iterate of one cut by
// its deadline along with the error, as fit promises.
func textFitted(m *text.Logistic, err error) (fitted, error) {
	if m == nil {
		return fitted{}, err
	}
	return fitted{text: m, iterations: m.Iterations}, err
}
