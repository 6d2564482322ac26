package pipeline

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/text"
)

// Limits of the labeling features.
const (
	// maxLevels is the most one-hot levels per categorical column.
	maxLevels = 10
	// maxTerms caps the TF-IDF vocabulary.
	maxTerms = 5000
	// docMinRunes: a text column whose values average this many runes is read as documents.
	docMinRunes = 20
	// maxDocShare: terms in a larger share of the documents (function words) are left out of
	// the clustering features, so clusters form around what the documents are about.
	maxDocShare = 0.1
	// levelClip bounds a standardized one-hot level, so a rare level does not outweigh
	// every other feature in distances.
	levelClip = 2.5
)

// labelFeatures are the rows of the data as numbers, for clustering and self-training: numbers
// standardized (missing values at the mean, with a missing flag), categories one-hot (their
// most frequent levels, standardized and clipped), documents as TF-IDF.
type labelFeatures struct {
	// X is every row's features (dense columns first, then the TF-IDF terms).
	X *text.CSR
	// Names name the dense columns; Raw holds their unscaled values (one slice per row), for
	// describing clusters.
	Names []string
	Raw   [][]float64
	// Terms name the TF-IDF columns that follow the dense ones.
	Terms []string
	// Inputs are the frame columns used; Docs those read as documents.
	Inputs, Docs []string
}

// buildLabelFeatures encodes the columns of f other than the target and the dropped ones.
func buildLabelFeatures(f *frame.Frame, ds *dataState) (*labelFeatures, error) {
	dropped := map[string]bool{ds.Target: true}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	n := f.NRows()
	lf := &labelFeatures{Raw: make([][]float64, n)}
	var scaled [][]float64 // per column
	var docs []*frame.Column
	for _, c := range f.Columns {
		if dropped[c.Name] {
			continue
		}
		switch {
		case c.Kind.IsNum():
			raw, flag := numericValues(c)
			lf.Names = append(lf.Names, c.Name)
			scaled = append(scaled, standardize(raw))
			appendRaw(lf.Raw, raw)
			if flag != nil {
				lf.Names = append(lf.Names, c.Name+" missing")
				scaled = append(scaled, flag)
				appendRaw(lf.Raw, flag)
			}
			lf.Inputs = append(lf.Inputs, c.Name)
		case c.Kind == frame.Text && meanRunes(c) >= docMinRunes:
			docs = append(docs, c)
			lf.Inputs = append(lf.Inputs, c.Name)
			lf.Docs = append(lf.Docs, c.Name)
		case c.Kind == frame.Categorical || c.Kind == frame.Text:
			for _, lv := range topLevels(c, maxLevels, max(5, n/100)) {
				col := make([]float64, n)
				for i := range n {
					if !c.Missing[i] && c.Str[i] == lv {
						col[i] = 1
					}
				}
				lf.Names = append(lf.Names, c.Name+"="+lv)
				scaled = append(scaled, clip(standardize(col), levelClip))
				appendRaw(lf.Raw, col)
			}
			lf.Inputs = append(lf.Inputs, c.Name)
		}
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, len(scaled))
		for j, col := range scaled {
			rows[i][j] = col[i]
		}
	}
	x := text.FromDense(rows)
	x.Cols = len(scaled)
	if len(docs) > 0 {
		all := make([]string, n)
		for i := range n {
			var parts []string
			for _, c := range docs {
				if !c.Missing[i] {
					parts = append(parts, c.Str[i])
				}
			}
			all[i] = strings.Join(parts, "\n")
		}
		vec, err := text.Fit(text.Config{Sublinear: true, MinDF: 2, MaxFeatures: maxTerms}, all)
		if err != nil {
			return nil, fmt.Errorf("text features of %s: %w", strings.Join(lf.Docs, ", "), err)
		}
		tx, terms := dropCommonTerms(vec.Transform(all), vec.Terms, maxDocShare)
		if x.Cols == 0 {
			x = tx
		} else {
			x = text.HStack(x, tx)
		}
		lf.Terms = terms
	}
	if x.Cols == 0 {
		return nil, userErrorf([]string{"Upload data with columns that describe each row besides identifiers"},
			"no column is left to group the rows by: every column besides %q was dropped", ds.Target)
	}
	lf.X = x
	return lf, nil
}

// numericValues returns a numeric column's values with missing ones at the mean, and a 0/1
// missing flag when any is missing.
func numericValues(c *frame.Column) (vals, flag []float64) {
	n := c.Len()
	vals = make([]float64, n)
	var sum float64
	var cnt int
	for i, v := range c.Num {
		if !c.Missing[i] && !math.IsNaN(v) {
			sum += v
			cnt++
		}
	}
	mean := 0.0
	if cnt > 0 {
		mean = sum / float64(cnt)
	}
	for i, v := range c.Num {
		if c.Missing[i] || math.IsNaN(v) {
			if flag == nil {
				flag = make([]float64, n)
			}
			vals[i], flag[i] = mean, 1
			continue
		}
		vals[i] = v
	}
	return vals, flag
}

// standardize returns (v − mean) / sd (zeros for a constant column).
func standardize(v []float64) []float64 {
	var m, s float64
	for _, x := range v {
		m += x
	}
	m /= float64(max(1, len(v)))
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	s = math.Sqrt(s / float64(max(1, len(v))))
	out := make([]float64, len(v))
	if s == 0 {
		return out
	}
	for i, x := range v {
		out[i] = (x - m) / s
	}
	return out
}

func appendRaw(raw [][]float64, col []float64) {
	for i := range raw {
		raw[i] = append(raw[i], col[i])
	}
}

// topLevels returns a string column's most frequent levels seen at least minCount times.
func topLevels(c *frame.Column, n, minCount int) []string {
	counts := map[string]int{}
	for i, s := range c.Str {
		if !c.Missing[i] {
			counts[s]++
		}
	}
	var levels []string
	for s, k := range counts {
		if k >= minCount {
			levels = append(levels, s)
		}
	}
	sort.Slice(levels, func(a, b int) bool {
		if counts[levels[a]] != counts[levels[b]] {
			return counts[levels[a]] > counts[levels[b]]
		}
		return levels[a] < levels[b]
	})
	return levels[:min(n, len(levels))]
}

// meanRunes is the average length of a string column's present values.
func meanRunes(c *frame.Column) float64 {
	var sum, n int
	for i, s := range c.Str {
		if !c.Missing[i] {
			sum += len([]rune(s))
			n++
		}
	}
	return float64(sum) / float64(max(1, n))
}

// clip bounds values to [-c, c].
func clip(v []float64, c float64) []float64 {
	for i, x := range v {
		v[i] = max(-c, min(c, x))
	}
	return v
}

// dropCommonTerms removes the columns of terms found in more than share of the rows and
// L2-normalizes the rows again.
func dropCommonTerms(x *text.CSR, terms []string, share float64) (*text.CSR, []string) {
	df := make([]int, x.Cols)
	for _, c := range x.Indices {
		df[c]++
	}
	keep := make([]int32, x.Cols)
	var kept []string
	n := int32(0)
	for j := range df {
		keep[j] = -1
		if float64(df[j]) <= share*float64(x.Rows) {
			keep[j] = n
			n++
			if j < len(terms) {
				kept = append(kept, terms[j])
			}
		}
	}
	out := &text.CSR{Rows: x.Rows, Cols: int(n), Indptr: make([]int, 1, x.Rows+1)}
	for i := range x.Rows {
		idx, val := x.Row(i)
		start := len(out.Values)
		var norm float64
		for k, c := range idx {
			if keep[c] >= 0 {
				out.Indices = append(out.Indices, keep[c])
				out.Values = append(out.Values, val[k])
				norm += float64(val[k]) * float64(val[k])
			}
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for k := start; k < len(out.Values); k++ {
				out.Values[k] *= inv
			}
		}
		out.Indptr = append(out.Indptr, len(out.Indices))
	}
	return out, kept
}
