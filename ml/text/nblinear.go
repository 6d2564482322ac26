package text

// FitBayesLinear fits naive Bayes of the given kind on the columns of x that
// hold no negative value (TF-IDF or counts; standardized numbers stacked
// beside them are left out, as if absent) and returns it as the equivalent
// linear model over all of x's columns: both variants score class c by
// b_c + w_c·x and take the softmax, so PredictProba gives the naive Bayes
// probabilities exactly. For 2 classes the row is w_1 − w_0 with intercept
// b_1 − b_0 (the logistic form).
func FitBayesLinear(x *CSR, y []int, k int, kind NBKind, alpha float64) (*Logistic, error) {
	keep := nonNegativeColumns(x)
	cx, cols := compactColumns(x, keep)
	nb, err := FitNaiveBayes(kind, cx, y, k, alpha)
	if err != nil {
		return nil, err
	}
	if cols != nil {
		for c, w := range nb.Weights {
			full := make([]float64, x.Cols)
			for j, col := range cols {
				full[col] = w[j]
			}
			nb.Weights[c] = full
		}
	}
	return nb.Linear(keep), nil
}

// Linear returns the naive Bayes model as a linear model over the same
// columns; columns where keep is false get zero weight (nil keeps all).
func (nb *NaiveBayes) Linear(keep []bool) *Logistic {
	k := len(nb.Weights)
	d := 0
	if k > 0 {
		d = len(nb.Weights[0])
	}
	bias := func(c int) float64 {
		if nb.Kind == Multinomial {
			return nb.LogPrior[c]
		}
		return 0
	}
	row := func(c int) []float64 {
		w := make([]float64, d)
		for j, v := range nb.Weights[c] {
			if keep == nil || keep[j] {
				w[j] = v
			}
		}
		return w
	}
	m := &Logistic{Family: string(nb.Kind) + "_nb", NumClasses: k, NumFeat: d}
	if k == 2 {
		w0, w1 := row(0), row(1)
		for j := range w1 {
			w1[j] -= w0[j]
		}
		m.Coef = [][]float64{w1}
		m.Intercept = []float64{bias(1) - bias(0)}
		return m
	}
	for c := range k {
		m.Coef = append(m.Coef, row(c))
		m.Intercept = append(m.Intercept, bias(c))
	}
	return m
}

// nonNegativeColumns reports, per column, whether no stored value is
// negative.
func nonNegativeColumns(x *CSR) []bool {
	keep := make([]bool, x.Cols)
	for j := range keep {
		keep[j] = true
	}
	for i, c := range x.Indices {
		if x.Values[i] < 0 {
			keep[c] = false
		}
	}
	return keep
}

// compactColumns returns x restricted to the columns keep allows, renumbered,
// with the original number of each kept column (x itself and nil when all
// are kept).
func compactColumns(x *CSR, keep []bool) (*CSR, []int32) {
	var cols []int32
	renum := make([]int32, x.Cols)
	for j, k := range keep {
		renum[j] = -1
		if k {
			renum[j] = int32(len(cols))
			cols = append(cols, int32(j))
		}
	}
	if len(cols) == x.Cols {
		return x, nil
	}
	out := &CSR{Rows: x.Rows, Cols: len(cols), Indptr: make([]int, 1, x.Rows+1)}
	for i := range x.Rows {
		idx, val := x.Row(i)
		for j, c := range idx {
			if r := renum[c]; r >= 0 {
				out.Indices = append(out.Indices, r)
				out.Values = append(out.Values, val[j])
			}
		}
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out, cols
}
