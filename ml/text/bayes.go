package text

import (
	"fmt"
	"math"
)

// NBKind chooses the naive Bayes variant.
type NBKind string

// The naive Bayes variants.
const (
	// Multinomial is the classic multinomial event model.
	Multinomial NBKind = "multinomial"
	// Complement estimates each class from the documents of the other
	// classes (Rennie et al. 2003), which copes better with imbalance.
	Complement NBKind = "complement"
)

// NaiveBayes is a fitted naive Bayes classifier over non-negative features.
type NaiveBayes struct {
	Kind NBKind `json:"kind"`
	// LogPrior is the log class prior (multinomial only).
	LogPrior []float64 `json:"logPrior"`
	// Weights[k][j] is the log feature probability of class k (multinomial)
	// or the normalized complement weight (complement).
	Weights [][]float64 `json:"weights"`
}

// FitNaiveBayes fits naive Bayes on X (non-negative, e.g. TF-IDF or counts)
// with labels y in [0, k) and additive smoothing alpha (1 when <= 0).
func FitNaiveBayes(kind NBKind, x *CSR, y []int, k int, alpha float64) (*NaiveBayes, error) {
	if x.Rows != len(y) {
		return nil, fmt.Errorf("naive bayes: %d rows and %d labels", x.Rows, len(y))
	}
	if k < 2 {
		return nil, fmt.Errorf("naive bayes: %d classes, need at least 2", k)
	}
	if alpha <= 0 {
		alpha = 1
	}
	d := x.Cols
	fc := make([][]float64, k)
	for c := range fc {
		fc[c] = make([]float64, d)
	}
	classCount := make([]float64, k)
	for i := 0; i < x.Rows; i++ {
		c := y[i]
		if c < 0 || c >= k {
			return nil, fmt.Errorf("naive bayes: label %d outside [0, %d)", c, k)
		}
		classCount[c]++
		idx, val := x.Row(i)
		row := fc[c]
		for j, col := range idx {
			if val[j] < 0 {
				return nil, fmt.Errorf("naive bayes: negative value in row %d", i)
			}
			row[col] += float64(val[j])
		}
	}
	nb := &NaiveBayes{Kind: kind, LogPrior: make([]float64, k), Weights: make([][]float64, k)}
	for c := range nb.LogPrior {
		nb.LogPrior[c] = math.Log(math.Max(classCount[c], 1e-12) / float64(x.Rows))
	}
	switch kind {
	case Multinomial:
		for c := range k {
			var tot float64
			for _, v := range fc[c] {
				tot += v
			}
			w := make([]float64, d)
			den := math.Log(tot + alpha*float64(d))
			for j, v := range fc[c] {
				w[j] = math.Log(v+alpha) - den
			}
			nb.Weights[c] = w
		}
	case Complement:
		all := make([]float64, d)
		for c := range k {
			for j, v := range fc[c] {
				all[j] += v
			}
		}
		var grand float64
		for _, v := range all {
			grand += v
		}
		for c := range k {
			var tot float64
			for _, v := range fc[c] {
				tot += v
			}
			w := make([]float64, d)
			den := math.Log(grand - tot + alpha*float64(d))
			// The sign flip makes larger scores mean "more like class c"
			// (no weight normalization, as scikit-learn's default).
			for j := range w {
				w[j] = den - math.Log(all[j]-fc[c][j]+alpha)
			}
			nb.Weights[c] = w
		}
	default:
		return nil, fmt.Errorf("naive bayes: unknown kind %q", kind)
	}
	return nb, nil
}

// Scores writes the per-class joint log-likelihoods (multinomial) or
// complement scores of row i of x into out.
func (nb *NaiveBayes) scores(idx []int32, val []float32, out []float64) {
	for c, w := range nb.Weights {
		s := 0.0
		if nb.Kind == Multinomial {
			s = nb.LogPrior[c]
		}
		for j, col := range idx {
			if int(col) < len(w) {
				s += float64(val[j]) * w[col]
			}
		}
		out[c] = s
	}
}

// PredictProba returns a probability per class for every row of x: the
// softmax of the scores.
func (nb *NaiveBayes) PredictProba(x *CSR) [][]float64 {
	out := make([][]float64, x.Rows)
	for i := range out {
		p := make([]float64, len(nb.Weights))
		idx, val := x.Row(i)
		nb.scores(idx, val, p)
		softmax(p)
		out[i] = p
	}
	return out
}

func softmax(z []float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		z[i] = math.Exp(v - m)
		s += z[i]
	}
	for i := range z {
		z[i] /= s
	}
}
