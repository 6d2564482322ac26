package pipeline

import (
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/text"
)

// minDocumentTokens is the mean number of word tokens per present cell from which a free-text
// column is read as documents (messages, reviews, descriptions) for the text learner rather
// than as short unique strings such as names, which identify rows.
const minDocumentTokens = 6

// isDocumentColumn reports whether c is free text long enough to learn from: its present
// cells hold on average at least minDocumentTokens word tokens (on a sample of up to 2,000
// evenly spaced rows).
func isDocumentColumn(c *frame.Column) bool {
	if c == nil || c.Kind != frame.Text {
		return false
	}
	n := c.Len()
	step := max(1, n/2000)
	var present, tokens int
	for i := 0; i < n; i += step {
		if c.Missing[i] {
			continue
		}
		present++
		tokens += len(text.Tokenize(c.Str[i], 2))
	}
	return present > 0 && float64(tokens) >= minDocumentTokens*float64(present)
}

// documentColumns lists the document columns of f that are inputs (not the target, not
// dropped).
func documentColumns(f *frame.Frame, ds *dataState) []string {
	dropped := map[string]bool{}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	var out []string
	for _, c := range f.Columns {
		if c.Name != ds.Target && !dropped[c.Name] && isDocumentColumn(c) {
			out = append(out, c.Name)
		}
	}
	return out
}

// withTextFamily adds the text learner to the families searched when the data has document
// columns (and leaves the list alone otherwise, or when it is already there).
func withTextFamily(families []string, docs []string) []string {
	if len(docs) == 0 {
		return families
	}
	for _, f := range families {
		if f == automl.Text {
			return families
		}
	}
	return append([]string{automl.Text}, families...)
}
