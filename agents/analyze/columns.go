package analyze

import (
	"context"
	"fmt"
	"math"
	"path"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// maxLevels is the most distinct values a column may have for its values
// to be read as class labels.
const maxLevels = 60

// colFacts is what the analyzer knows about one column of the sample.
type colFacts struct {
	name     string
	kind     frame.Kind
	tokens   []string  // lowercase name tokens without pure numbers
	weights  []float64 // how distinctive each token is among all names
	rows     int
	present  int
	distinct int
	missing  float64 // missing ratio
	integer  bool    // numeric with whole values only
	levels   []profile.ValueCount
	examples []string // a few distinct values
	family   int      // columns sharing this name's pattern of words and numbers
	unusable string   // why it cannot be a target, "" when it can
}

// columnFacts profiles the sample and summarizes each column.
func columnFacts(ctx context.Context, f *frame.Frame) ([]colFacts, error) {
	prof, err := profile.Compute(ctx, f, profile.Options{TopValues: maxLevels, Examples: 5, Bins: 1})
	if err != nil {
		return nil, fmt.Errorf("profile sample: %w", err)
	}
	flags := map[string][]profile.Flag{}
	for _, fl := range prof.Flags {
		flags[fl.Column] = append(flags[fl.Column], fl)
	}
	skeletons := map[string]int{}
	df := map[string]int{}
	out := make([]colFacts, len(prof.Columns))
	for i, cp := range prof.Columns {
		c := colFacts{name: cp.Name, kind: cp.Kind, rows: cp.Rows, present: cp.Rows - cp.Missing,
			distinct: cp.Distinct, missing: cp.MissingRatio}
		c.integer = cp.Numeric != nil && cp.Numeric.Integer
		if cp.Distinct <= maxLevels {
			c.levels = cp.Top
		}
		c.examples = cp.Examples
		for _, t := range splitName(cp.Name) {
			if !isNumber(t) {
				c.tokens = append(c.tokens, t)
			}
		}
		if len(c.tokens) == 0 {
			c.tokens = []string{strings.ToLower(cp.Name)}
		}
		seen := map[string]bool{}
		for _, t := range c.tokens {
			if !seen[t] {
				df[t]++
				seen[t] = true
			}
		}
		skeletons[skeleton(cp.Name)]++
		c.unusable = unusableReason(cp, flags[cp.Name])
		out[i] = c
	}
	n := float64(len(out))
	for i := range out {
		out[i].family = skeletons[skeleton(out[i].name)]
		out[i].weights = make([]float64, len(out[i].tokens))
		for j, t := range out[i].tokens {
			out[i].weights[j] = math.Log(1 + n/float64(df[t]))
		}
	}
	return out, nil
}

// unusableReason says why a column cannot be predicted, or "". Missing
// values do not disqualify a column: a target may be labeled on only some
// rows, and the labeling stage fills the rest.
func unusableReason(cp profile.Column, flags []profile.Flag) string {
	for _, fl := range flags {
		switch fl.Kind {
		case profile.FlagIDLike:
			return "identifies rows: " + fl.Detail
		case profile.FlagConstant:
			return fl.Detail
		case profile.FlagAllMissing:
			// A column with no values yet can be the target of data to be labeled (the
			// LABELING stage), but nothing in its data speaks for it: only its name can.
			if cp.Kind == frame.Text || cp.Kind == frame.Datetime || cp.Kind == frame.ID {
				return fl.Detail
			}
		}
	}
	switch {
	case cp.Kind == frame.Text:
		return "free text"
	case cp.Kind == frame.Datetime:
		return "a date"
	case cp.Kind == frame.ID:
		return "identifiers"
	case cp.Kind == frame.Categorical && cp.Distinct > maxLevels && cp.Distinct*5 > cp.Rows-cp.Missing:
		return fmt.Sprintf("%d distinct labels, too many to learn as classes", cp.Distinct)
	}
	return ""
}

// skeleton replaces the numbers in a name, so "px_3_4" and "px_0_1"
// share one pattern.
func skeleton(name string) string {
	var b strings.Builder
	for _, t := range splitName(name) {
		if isNumber(t) {
			t = "#"
		}
		b.WriteString(t)
		b.WriteByte('_')
	}
	return b.String()
}

func isNumber(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// labelLike reports whether the column's values look like class labels:
// few distinct values, mostly present.
func (c *colFacts) labelLike() bool {
	if c.unusable != "" || c.distinct < 2 || c.missing > 0.05 {
		return false
	}
	switch c.kind {
	case frame.Boolean:
		return true
	case frame.Categorical:
		return c.distinct <= 30
	case frame.Numeric:
		return c.integer && c.distinct <= 12
	}
	return false
}

// numeric reports whether the column holds numbers (not booleans).
func (c *colFacts) numeric() bool { return c.kind == frame.Numeric }

// imagePaths reports whether the column's values name image files.
func (c *colFacts) imagePaths() bool {
	if !c.kind.IsStr() || len(c.examples) == 0 {
		return false
	}
	for _, e := range c.examples {
		switch strings.ToLower(path.Ext(e)) {
		case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff":
		default:
			return false
		}
	}
	return true
}
