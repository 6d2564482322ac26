package model

import (
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/ml/text"
)

// Text is the learner family of a member that reads free text.
const Text = "text"

// TextModel is a text member: a TF-IDF vectorizer per text column, whose
// features are stacked (in Columns order) in front of the member pipeline's
// numeric encoding when Dense is set, and a linear model over the stacked
// sparse row: logistic / softmax regression or naive Bayes (multinomial or
// complement, stored in its equivalent linear form; Logistic.Family says
// which) for classifiers, ridge regression for a numeric target.
type TextModel struct {
	// Columns are the text columns, each with its vectorizer.
	Columns     []string           `json:"columns"`
	Vectorizers []*text.Vectorizer `json:"vectorizers"`
	// Dense appends the pipeline's numeric features after the text ones.
	Dense bool `json:"dense,omitempty"`
	// Logistic is the model over the stacked row (its Family names the
	// learner: logistic, multinomial_nb, complement_nb or ridge).
	Logistic *text.Logistic `json:"logistic"`
}

// NumFeatures is the width of the stacked row for a pipeline of nDense
// numeric features.
func (t *TextModel) NumFeatures(nDense int) int {
	n := 0
	for _, v := range t.Vectorizers {
		n += v.NumFeatures()
	}
	if t.Dense {
		n += nDense
	}
	return n
}

// Rows stacks the TF-IDF rows of the text columns (docs[c][i] is row i of
// column c, in Columns order) and, with Dense, the numeric features
// dense[j][i] into one sparse matrix of n rows.
func (t *TextModel) Rows(docs [][]string, dense [][]float64, n int) *text.CSR {
	var m *text.CSR
	for c, v := range t.Vectorizers {
		x := v.Transform(docs[c])
		if m == nil {
			m = x
		} else {
			m = text.HStack(m, x)
		}
	}
	if t.Dense && len(dense) > 0 {
		rows := make([][]float64, n)
		for i := range rows {
			r := make([]float64, len(dense))
			for j, col := range dense {
				r[j] = col[i]
			}
			rows[i] = r
		}
		d := text.FromDense(rows)
		d.Cols = len(dense)
		if m == nil {
			m = d
		} else {
			m = text.HStack(m, d)
		}
	}
	return m
}

// textIndex maps the model's columns to positions in a pipeline's raw text.
func (t *TextModel) textIndex(textNames []string) ([]int, error) {
	idx := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		j := slices.Index(textNames, c)
		if j < 0 {
			return nil, fmt.Errorf("text column %q is not passed through by the pipeline", c)
		}
		idx[i] = j
	}
	return idx, nil
}

func (a *Artifact) validateText(m *Member, nfeat int) error {
	t := m.Text
	if t == nil || m.Trees != nil || m.Linear != nil {
		return fmt.Errorf("text member needs a text model (only)")
	}
	if len(t.Columns) != len(t.Vectorizers) || len(t.Columns) == 0 {
		return fmt.Errorf("text member has %d columns and %d vectorizers", len(t.Columns), len(t.Vectorizers))
	}
	for _, v := range t.Vectorizers {
		if v == nil || len(v.IDF) == 0 || (v.Config.HashBits == 0 && len(v.Terms) != len(v.IDF)) || v.Config.HashBits > 30 {
			return fmt.Errorf("text vectorizer incomplete")
		}
		if v.Config.HashBits > 0 && len(v.IDF) != 1<<v.Config.HashBits {
			return fmt.Errorf("hashed vectorizer with %d weights for %d bits", len(v.IDF), v.Config.HashBits)
		}
	}
	if _, err := t.textIndex(a.Pipelines[m.Pipeline].TextNames); err != nil {
		return err
	}
	l := t.Logistic
	k := len(a.Classes)
	rows := k
	if k == 2 || a.Task == Regression {
		rows = 1
	}
	if a.Task == Regression {
		k = 1
	}
	if l == nil || l.NumClasses != k || len(l.Coef) != rows || len(l.Intercept) != rows {
		return fmt.Errorf("text linear model does not fit %d outputs", k)
	}
	switch l.Family {
	case "", "logistic", "multinomial_nb", "complement_nb":
		if a.Task == Regression {
			return fmt.Errorf("text %q model in a regression", l.Family)
		}
	case "ridge":
		if a.Task != Regression {
			return fmt.Errorf("text ridge model in a classifier")
		}
	default:
		return fmt.Errorf("unknown text model family %q", l.Family)
	}
	want := t.NumFeatures(nfeat)
	for _, r := range l.Coef {
		if len(r) != want {
			return fmt.Errorf("text logistic row of %d weights, want %d", len(r), want)
		}
	}
	return nil
}

// textMember is the compiled form of a text member in a predictor.
type textMember struct {
	m   *TextModel
	idx []int // positions of the model's columns in the pipeline's raw text
}

// predictRow writes class probabilities for one row (x the pipeline's
// numbers, raw its raw text) into out.
func (t *textMember) predictRow(x []float64, raw []string, out []float64) {
	docs := make([][]string, len(t.idx))
	for c, j := range t.idx {
		docs[c] = []string{raw[j]}
	}
	dense := make([][]float64, len(x))
	for j, v := range x {
		dense[j] = []float64{v}
	}
	p := t.m.Logistic.PredictProba(t.m.Rows(docs, dense, 1))[0]
	copy(out, p)
}

// predictBatch returns class probabilities for n rows given column-major
// numbers and raw text (raw[j][i]: pipeline text column j, row i).
func (t *textMember) predictBatch(x [][]float64, raw [][]string, n int) [][]float64 {
	docs := make([][]string, len(t.idx))
	for c, j := range t.idx {
		docs[c] = raw[j]
	}
	return t.m.Logistic.PredictProba(t.m.Rows(docs, x, n))
}

// explain writes w·x of the numeric features into phi (intercept last) and
// returns the contribution of each text column (the sum of w·x over its
// TF-IDF features), for output out of the logistic model.
func (t *textMember) explain(x []float64, raw []string, out int, phi []float64) []Contribution {
	l := t.m.Logistic
	if l.NumClasses <= 2 {
		out = 0
	}
	w := l.Coef[out]
	off := 0
	contrib := make([]Contribution, len(t.idx))
	for c, j := range t.idx {
		v := t.m.Vectorizers[c]
		row := v.Transform([]string{raw[j]})
		idx, val := row.Row(0)
		var s float64
		for k, col := range idx {
			s += w[off+int(col)] * float64(val[k])
		}
		contrib[c] = Contribution{Column: t.m.Columns[c], Value: s}
		off += v.NumFeatures()
	}
	for j := range x {
		phi[j] = 0
		if t.m.Dense {
			phi[j] = w[off+j] * x[j]
		}
	}
	phi[len(x)] = l.Intercept[out]
	return contrib
}
