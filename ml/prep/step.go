package prep

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/trainyard/trainyard/ml/frame"
)

// Encoder names how a step turns one input column into outputs.
type Encoder string

// The encoders.
const (
	// EncNumeric passes a number through (Trees) or imputes and scales it (Linear).
	EncNumeric Encoder = "numeric"
	// EncBoolean writes 0/1 (Linear: missing becomes the most frequent value).
	EncBoolean Encoder = "boolean"
	// EncDatetime expands a timestamp into Parts.
	EncDatetime Encoder = "datetime"
	// EncCodes writes category codes 0..k-1 (Trees).
	EncCodes Encoder = "codes"
	// EncOneHot writes one 0/1 column per level (Linear).
	EncOneHot Encoder = "onehot"
	// EncTarget writes smoothed target statistics per level (Linear).
	EncTarget Encoder = "target"
	// EncText passes raw text through to Matrix.Text.
	EncText Encoder = "text"
)

// Suffixes of generated output names.
const (
	suffixMissing = "__missing"
	levelOther    = "__other__"
	levelMissing  = "__missing__"
)

// Step turns one input column into output columns. Which fields are set
// depends on the Encoder.
type Step struct {
	// Column is the input column; Kind its kind at fit.
	Column string     `json:"column"`
	Kind   frame.Kind `json:"kind"`
	// Encoder says what the step does.
	Encoder Encoder `json:"encoder"`
	// Out are the output column names.
	Out []string `json:"out"`

	// Fill holds, per value output of Linear numeric, boolean and datetime
	// steps, the value that replaces a missing one. Center and Scale hold
	// the standardization (x - Center) / Scale of those steps and of target
	// encoding. All three are nil in Trees mode.
	Fill   []float64 `json:"fill,omitempty"`
	Center []float64 `json:"center,omitempty"`
	Scale  []float64 `json:"scale,omitempty"`
	// Indicator adds a last output, <column>__missing, that is 1 where the
	// value was missing or not finite.
	Indicator bool `json:"indicator,omitempty"`

	// Levels are the categories with their own code or one-hot column
	// (index = code); OtherLevels share one code / column ("__other__").
	Levels      []string `json:"levels,omitempty"`
	OtherLevels []string `json:"otherLevels,omitempty"`
	// MissingLevel adds a one-hot column for missing values.
	MissingLevel bool `json:"missingLevel,omitempty"`

	// TrueTokens and FalseTokens are the raw spellings of a Boolean column
	// seen at fit, sorted (for exporters that match strings exactly; the Go
	// encoder accepts any true/false, t/f, yes/no, y/n spelling).
	TrueTokens  []string `json:"trueTokens,omitempty"`
	FalseTokens []string `json:"falseTokens,omitempty"`

	// Layout parses datetime strings; Parts are the expanded fields among
	// year, month, day, weekday, hour and unix.
	Layout string   `json:"layout,omitempty"`
	Parts  []string `json:"parts,omitempty"`

	// Prior and Stats hold target encoding: per output, the overall statistic
	// and, per level in Levels order, the smoothed statistic. Missing values
	// are the level "" when they occurred at fit.
	Prior []float64   `json:"prior,omitempty"`
	Stats [][]float64 `json:"stats,omitempty"`

	index levelTable
	// markerLevel is set when a level is a missing marker of the pipeline,
	// so a level found in index may still be a missing cell.
	markerLevel bool
	oof         [][]float64 // out-of-fold target encoding of the fit rows
}

// prepare builds the lookup tables after fitting or decoding.
func (s *Step) prepare() {
	s.index = newLevelTable(s.Levels, s.OtherLevels)
}

// numCategories is k for a codes step, 0 otherwise.
func (s *Step) numCategories() int {
	if s.Encoder != EncCodes {
		return 0
	}
	if len(s.OtherLevels) > 0 {
		return len(s.Levels) + 1
	}
	return len(s.Levels)
}

// valueOutputs is the number of outputs before the indicator.
func (s *Step) valueOutputs() int {
	if s.Indicator {
		return len(s.Out) - 1
	}
	return len(s.Out)
}

// fitStep decides how to encode column c. y is the encoded target.
func fitStep(c *frame.Column, y []float64, label *Label, opts Options) Step {
	s := Step{Column: c.Name, Kind: c.Kind}
	switch c.Kind {
	case frame.Text:
		s.Encoder, s.Out = EncText, []string{}
		return s
	case frame.Numeric:
		s.Encoder, s.Out = EncNumeric, []string{c.Name}
	case frame.Boolean:
		s.Encoder, s.Out = EncBoolean, []string{c.Name}
		seen := map[string]bool{}
		for i := range c.Len() {
			if tok := c.Value(i); !c.Missing[i] && !seen[tok] {
				seen[tok] = true
				if c.Num[i] == 1 {
					s.TrueTokens = append(s.TrueTokens, tok)
				} else {
					s.FalseTokens = append(s.FalseTokens, tok)
				}
			}
		}
		slices.Sort(s.TrueTokens)
		slices.Sort(s.FalseTokens)
	case frame.Datetime:
		s.Encoder, s.Layout = EncDatetime, c.Layout
		s.Parts = []string{"year", "month", "day", "weekday"}
		for i, v := range c.Num {
			if !c.Missing[i] && !math.IsInf(v, 0) && math.Mod(v, 86400) != 0 {
				s.Parts = append(s.Parts, "hour")
				break
			}
		}
		s.Parts = append(s.Parts, "unix")
		for _, p := range s.Parts {
			s.Out = append(s.Out, c.Name+"__"+p)
		}
	default: // Categorical, ID
		fitCategorical(&s, c, y, label, opts)
		return s
	}
	if opts.Mode == Linear {
		fitImpute(&s, c)
	}
	return s
}

// levelCounts returns the distinct present levels by decreasing count, ties
// by text, with their counts.
func levelCounts(c *frame.Column) ([]string, map[string]int) {
	counts := map[string]int{}
	for i := range c.Len() {
		if !c.Missing[i] {
			counts[c.Value(i)]++
		}
	}
	levels := make([]string, 0, len(counts))
	for l := range counts {
		levels = append(levels, l)
	}
	slices.SortFunc(levels, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return levels, counts
}

func fitCategorical(s *Step, c *frame.Column, y []float64, label *Label, opts Options) {
	levels, counts := levelCounts(c)
	switch {
	case opts.Mode == Trees:
		s.Encoder, s.Out = EncCodes, []string{c.Name}
		if len(levels) > opts.MaxTreeLevels {
			s.Levels, s.OtherLevels = levels[:opts.MaxTreeLevels-1], levels[opts.MaxTreeLevels-1:]
		} else {
			s.Levels = levels
		}
	case opts.TargetEncodeLevels > 0 && len(levels) > opts.TargetEncodeLevels:
		fitTargetEncoding(s, c, y, label, opts)
	default:
		s.Encoder = EncOneHot
		keep := 0
		for keep < len(levels) && keep < opts.MaxOneHot && counts[levels[keep]] >= opts.MinLevelCount {
			keep++
		}
		s.Levels, s.OtherLevels = levels[:keep], levels[keep:]
		for _, l := range s.Levels {
			s.Out = append(s.Out, c.Name+"="+l)
		}
		if len(s.OtherLevels) > 0 {
			s.Out = append(s.Out, c.Name+"="+levelOther)
		}
		if c.NumMissing() > 0 {
			s.MissingLevel = true
			s.Out = append(s.Out, c.Name+"="+levelMissing)
		}
	}
	s.Levels = slices.Clip(s.Levels)
	s.prepare()
}

// fitImpute sets Fill, Center, Scale and Indicator for Linear mode from the
// column's values at fit.
func fitImpute(s *Step, c *frame.Column) {
	p := s.valueOutputs()
	vals := make([][]float64, p)
	buf := make([]float64, p)
	anyMissing := false
	for i := range c.Len() {
		ok := false
		if !c.Missing[i] {
			ok = s.parts(c.Num[i], buf)
		}
		if !ok {
			anyMissing = true
			continue
		}
		for k := range p {
			vals[k] = append(vals[k], buf[k])
		}
	}
	s.Fill, s.Center, s.Scale = make([]float64, p), make([]float64, p), make([]float64, p)
	for k := range p {
		v := vals[k]
		switch {
		case len(v) == 0:
			s.Fill[k] = 0
		case s.Encoder == EncBoolean:
			mean := 0.0
			for _, x := range v {
				mean += x
			}
			if mean/float64(len(v)) >= 0.5 {
				s.Fill[k] = 1
			}
		default:
			s.Fill[k] = median(v)
		}
		s.Scale[k] = 1
		if s.Encoder == EncBoolean {
			continue // 0/1 stays 0/1, like a one-hot column
		}
		// Mean and std of the imputed column.
		n := float64(c.Len())
		missing := n - float64(len(v))
		sum := s.Fill[k] * missing
		for _, x := range v {
			sum += x
		}
		mean := sum / n
		ss := missing * (s.Fill[k] - mean) * (s.Fill[k] - mean)
		for _, x := range v {
			ss += (x - mean) * (x - mean)
		}
		s.Center[k] = mean
		if sd := math.Sqrt(ss / n); sd > 0 && !math.IsInf(sd, 0) {
			s.Scale[k] = sd
		}
	}
	if anyMissing {
		s.Indicator = true
		s.Out = append(s.Out, s.Column+suffixMissing)
	}
}

// median of values (reordered in place), by selection in linear time.
func median(v []float64) float64 {
	n := len(v)
	hi := selectKth(v, n/2)
	if n%2 == 1 {
		return hi
	}
	// The lower middle is the largest value left of position n/2.
	return (slices.Max(v[:n/2]) + hi) / 2
}

// selectKth reorders v so that v[k] is the k-th smallest value, with smaller
// or equal values before it, and returns v[k] (Hoare's selection with a
// median-of-three pivot).
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// parts writes the value outputs of a numeric-valued step for one present
// value x; false when x is not finite.
func (s *Step) parts(x float64, dst []float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	if s.Encoder != EncDatetime {
		dst[0] = x
		return true
	}
	sec, frac := math.Modf(x)
	t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
	for k, p := range s.Parts {
		switch p {
		case "year":
			dst[k] = float64(t.Year())
		case "month":
			dst[k] = float64(t.Month())
		case "day":
			dst[k] = float64(t.Day())
		case "weekday":
			dst[k] = float64(t.Weekday())
		case "hour":
			dst[k] = float64(t.Hour())
		case "unix":
			dst[k] = x
		}
	}
	return true
}
