package profile

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/trainyard/trainyard/ml/frame"
)

// Column summarizes one column.
type Column struct {
	// Name and Kind of the column.
	Name string     `json:"name"`
	Kind frame.Kind `json:"kind"`
	// Rows is the number of rows; Missing how many of them are missing.
	Rows         int     `json:"rows"`
	Missing      int     `json:"missing"`
	MissingRatio float64 `json:"missingRatio"`
	// Distinct counts the distinct present values (the cardinality).
	Distinct int `json:"distinct"`
	// Numeric summarizes Numeric, Boolean (share of true as the mean) and
	// Datetime (Unix seconds) columns; nil when no finite value is present.
	Numeric *NumericStats `json:"numeric,omitempty"`
	// Histogram has equal-width bins over the finite values of numeric kinds.
	Histogram []Bin `json:"histogram,omitempty"`
	// Text summarizes the lengths of string values (Categorical, Text, ID).
	Text *TextStats `json:"text,omitempty"`
	// Top lists the most frequent present values, most frequent first (ties
	// in order of first appearance for strings, by value for numbers).
	Top []ValueCount `json:"top"`
	// Examples lists a few distinct present values in order of appearance,
	// cut to 200 characters.
	Examples []string `json:"examples"`
}

// NumericStats summarizes finite values; infinities are only counted.
type NumericStats struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	// Std is the sample standard deviation (n-1 denominator; 0 for one value).
	Std float64 `json:"std"`
	// Quantiles at 0, 1, 5, 25, 50, 75, 95, 99 and 100 percent (linear
	// interpolation between order statistics).
	Quantiles []Quantile `json:"quantiles"`
	// Zeros counts values equal to 0; Infinite counts ±Inf values.
	Zeros    int `json:"zeros"`
	Infinite int `json:"infinite"`
	// Integer is true when every finite value is a whole number.
	Integer bool `json:"integer"`
}

// Quantile is one point of a distribution.
type Quantile struct {
	P     float64 `json:"p"`
	Value float64 `json:"value"`
}

// Bin is one histogram bar: values in [Lo, Hi) (the last bin includes Hi).
type Bin struct {
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Count int     `json:"count"`
}

// TextStats summarizes string lengths in characters and words.
type TextStats struct {
	MeanLength float64 `json:"meanLength"`
	MaxLength  int     `json:"maxLength"`
	MeanWords  float64 `json:"meanWords"`
}

// ValueCount is a value and how often it occurs.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// quantilePoints are the reported quantiles.
func quantilePoints() []float64 { return []float64{0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1} }

// describe computes the summary of one column.
func describe(c *frame.Column, opts Options) Column {
	n := c.Len()
	cp := Column{Name: c.Name, Kind: c.Kind, Rows: n, Missing: c.NumMissing(), Top: []ValueCount{}, Examples: []string{}}
	if n > 0 {
		cp.MissingRatio = float64(cp.Missing) / float64(n)
	}
	if c.Str == nil {
		describeNumbers(c, &cp, opts)
	} else {
		counts, order := valueCounts(c)
		cp.Distinct = len(order)
		cp.Top = topValues(counts, order, opts.TopValues)
		for _, v := range order[:min(len(order), opts.Examples)] {
			cp.Examples = append(cp.Examples, truncate(v, 200))
		}
		if c.Num != nil { // Boolean: also 0/1 statistics
			sorted := presentSorted(c)
			cp.Numeric, cp.Histogram = numericStats(sorted, opts.Bins)
		}
	}
	if c.Kind.IsStr() {
		cp.Text = textStats(c)
	}
	return cp
}

// valueCounts counts present string values; order holds the distinct
// values in order of first appearance.
func valueCounts(c *frame.Column) (map[string]int, []string) {
	counts := make(map[string]int)
	var order []string
	for i, s := range c.Str {
		if c.Missing[i] {
			continue
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	return counts, order
}

// presentSorted returns the present values of a numeric-valued column, sorted
// (±Inf included at the ends).
func presentSorted(c *frame.Column) []float64 {
	vals := make([]float64, 0, len(c.Num))
	for i, v := range c.Num {
		if !c.Missing[i] && !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	slices.Sort(vals)
	return vals
}

// describeNumbers fills the summary of a Numeric or Datetime column from its
// sorted values: distinct count and top values from runs, so that a column of
// a million distinct numbers formats only the few values it reports.
func describeNumbers(c *frame.Column, cp *Column, opts Options) {
	sorted := presentSorted(c)
	type run struct {
		v     float64
		count int
	}
	var runs []run
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		runs = append(runs, run{sorted[i], j - i})
		i = j
	}
	cp.Distinct = len(runs)
	// Keep the TopValues most frequent runs; runs come in ascending value
	// order, so on equal counts the smaller value stays ahead.
	k := min(opts.TopValues, len(runs))
	top := make([]run, 0, k+1)
	for _, r := range runs {
		if len(top) == k && r.count <= top[k-1].count {
			continue
		}
		at := len(top)
		for at > 0 && top[at-1].count < r.count {
			at--
		}
		top = slices.Insert(top, at, r)
		if len(top) > k {
			top = top[:k]
		}
	}
	for _, r := range top {
		cp.Top = append(cp.Top, ValueCount{Value: numberText(c, r.v), Count: r.count})
	}
	seen := make(map[float64]bool, opts.Examples)
	for i, v := range c.Num {
		if len(seen) == opts.Examples {
			break
		}
		if !c.Missing[i] && !math.IsNaN(v) && !seen[v] {
			seen[v] = true
			cp.Examples = append(cp.Examples, c.Value(i))
		}
	}
	cp.Numeric, cp.Histogram = numericStats(sorted, opts.Bins)
}

// topValues returns the k most frequent values; ties keep first-appearance order.
func topValues(counts map[string]int, order []string, k int) []ValueCount {
	top := make([]ValueCount, len(order))
	for i, v := range order {
		top[i] = ValueCount{Value: truncate(v, 200), Count: counts[v]}
	}
	slices.SortStableFunc(top, func(a, b ValueCount) int { return cmp.Compare(b.Count, a.Count) })
	return top[:min(k, len(top))]
}

// numericStats summarizes sorted present values; infinities are only counted.
func numericStats(sorted []float64, bins int) (*NumericStats, []Bin) {
	st := &NumericStats{Integer: true}
	lo, hi := 0, len(sorted)
	for lo < hi && math.IsInf(sorted[lo], -1) {
		lo++
	}
	for hi > lo && math.IsInf(sorted[hi-1], 1) {
		hi--
	}
	st.Infinite = len(sorted) - (hi - lo)
	vals := sorted[lo:hi]
	if len(vals) == 0 {
		return nil, nil
	}
	sum := 0.0
	for _, v := range vals {
		sum += v
		if v == 0 {
			st.Zeros++
		}
		if v != math.Trunc(v) {
			st.Integer = false
		}
	}
	st.Min, st.Max = vals[0], vals[len(vals)-1]
	mean := sum / float64(len(vals))
	m2 := 0.0
	for _, v := range vals { // two passes: stable for large values such as timestamps
		m2 += (v - mean) * (v - mean)
	}
	st.Mean = mean
	if len(vals) > 1 {
		st.Std = math.Sqrt(m2 / float64(len(vals)-1))
	}
	for _, p := range quantilePoints() {
		st.Quantiles = append(st.Quantiles, Quantile{P: p, Value: quantileSorted(vals, p)})
	}
	return st, histogram(vals, st, bins)
}

// quantileSorted interpolates linearly between order statistics.
func quantileSorted(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// histogram counts sorted values into equal-width bins; whole numbers with a
// small range get one bin per value.
func histogram(sorted []float64, st *NumericStats, bins int) []Bin {
	lo, hi := st.Min, st.Max
	width := (hi - lo) / float64(bins)
	if st.Integer && hi-lo < float64(bins) {
		bins = int(hi-lo) + 1
		width = 1
		hi = lo + float64(bins)
	}
	if width == 0 || math.IsInf(width, 0) {
		return []Bin{{Lo: lo, Hi: hi, Count: len(sorted)}}
	}
	out := make([]Bin, bins)
	for b := range out {
		out[b] = Bin{Lo: lo + float64(b)*width, Hi: lo + float64(b+1)*width}
	}
	out[bins-1].Hi = hi
	for _, v := range sorted {
		b := min(int((v-lo)/width), bins-1)
		out[b].Count++
	}
	return out
}

// textStats measures string lengths.
func textStats(c *frame.Column) *TextStats {
	st := &TextStats{}
	present := 0
	for i, s := range c.Str {
		if c.Missing[i] {
			continue
		}
		present++
		l := utf8.RuneCountInString(s)
		st.MeanLength += float64(l)
		st.MaxLength = max(st.MaxLength, l)
		st.MeanWords += float64(countWords(s))
	}
	if present > 0 {
		st.MeanLength /= float64(present)
		st.MeanWords /= float64(present)
	}
	return st
}

func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "…"
		}
		i++
	}
	return s
}

// idLike decides whether a column identifies rows: an ID column; or, from
// idMinRows rows on, whole numbers, all distinct and present, that fill a
// range without gaps (1..n) or count up in row order with at most as many
// gaps as values. Free text is never ID-like.
func idLike(c *frame.Column, cp *Column) (string, bool) {
	present := cp.Rows - cp.Missing
	switch c.Kind {
	case frame.ID:
		return fmt.Sprintf("%d distinct short tokens in %d rows", cp.Distinct, present), true
	case frame.Numeric:
	default:
		return "", false
	}
	st := cp.Numeric
	if st == nil || cp.Missing > 0 || present < idMinRows || cp.Distinct != present || !st.Integer {
		return "", false
	}
	span := st.Max - st.Min + 1
	if span == float64(present) {
		return fmt.Sprintf("whole numbers %s..%s, each once", frame.FormatNumber(st.Min), frame.FormatNumber(st.Max)), true
	}
	if span > 2*float64(present) {
		return "", false // sparse: more likely a measurement sorted by value
	}
	up := true
	for i := 1; i < len(c.Num) && up; i++ {
		up = c.Num[i] > c.Num[i-1]
	}
	if up {
		return "distinct whole numbers increasing with the row order, with few gaps", true
	}
	return "", false
}

// idMinRows is the number of rows below which a numeric column is never
// called ID-like: a short table of consecutive years is data, not an ID.
const idMinRows = 100

// numberText formats a value of a numeric-valued column like Column.Value.
func numberText(c *frame.Column, v float64) string {
	tmp := frame.Column{Kind: c.Kind, Num: []float64{v}, Missing: []bool{false}}
	return tmp.Value(0)
}
