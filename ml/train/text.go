package train

import (
	"context"
	"errors"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/prep"
	"github.com/trainyard/trainyard/ml/text"
)

// TextConfig is how text columns are vectorized for the text learner:
// word 1–2-grams, sublinear tf, terms in at least two documents, at most
// 200,000 terms per column.
var textConfig = text.Config{WordMin: 1, WordMax: 2, Sublinear: true, MinDF: 2, MaxFeatures: 200000}

// textEncoding fits a TF-IDF vectorizer on each text column of m (all
// training rows: the vocabulary and idf see every fold, the usual practice;
// labels are not used) and stacks their rows with the linear encoding lin
// when given. It returns nil when no text column yields terms.
func textEncoding(ctx context.Context, m *prep.Matrix, lin *automl.Matrix) (*text.CSR, *model.TextModel, error) {
	tm := &model.TextModel{}
	for c, name := range m.TextNames {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		cfg := textConfig
		if m.Rows < 50 {
			cfg.MinDF = 1
		}
		v, err := text.Fit(cfg, m.Text[c])
		if errors.Is(err, text.ErrNoTerms) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		tm.Columns = append(tm.Columns, name)
		tm.Vectorizers = append(tm.Vectorizers, v)
	}
	if len(tm.Columns) == 0 {
		return nil, nil, nil
	}
	docs := make([][]string, len(tm.Columns))
	for c, name := range tm.Columns {
		for j, n := range m.TextNames {
			if n == name {
				docs[c] = m.Text[j]
			}
		}
	}
	var dense [][]float64
	if lin != nil && len(lin.Cols) > 0 {
		tm.Dense = true
		dense = lin.Cols
	}
	return tm.Rows(docs, dense, m.Rows), tm, nil
}

// TextEncoding is the text learner's encoding of a prepared matrix m (the
// tree-mode preparation, which passes raw text through): a TF-IDF vectorizer
// per text column fit on m's rows, stacked with the linear encoding lin when
// given. The TextModel it returns has the vectorizers but no fitted model
// yet; nil, nil when no text column yields terms. Refits outside Train (the
// agents' deployment refit) use it to rebuild the same features.
func TextEncoding(ctx context.Context, m *prep.Matrix, lin *automl.Matrix) (*text.CSR, *model.TextModel, error) {
	return textEncoding(ctx, m, lin)
}
