package onnx

import (
	"fmt"
	"math"
	"strconv"
)

// Column is one input of the exported graph: a [N, 1] tensor named after a
// table column.
type Column struct {
	// Name of the column and of the graph input.
	Name string `json:"name"`
	// String makes the input a string tensor; otherwise it is float.
	String bool `json:"string,omitempty"`
}

// FeatureKind says how a Feature is computed from its column.
type FeatureKind string

// The feature kinds.
const (
	// Number is a float column: NaN (and ±Inf with ImputeInf) replaced by
	// Impute when Imputed, then (x - Offset) * Scale when Scale != 0, plus
	// with Indicator a last 0/1 output that is 1 when the input was NaN or
	// ±Inf.
	Number FeatureKind = "number"
	// Code is a string column mapped to its code (Keys → Codes) as a float;
	// any other string gives NaN.
	Code FeatureKind = "code"
	// OneHot is a string column expanded into Width indicators, 1 at the
	// string's code; any other string gives all zeros.
	OneHot FeatureKind = "onehot"
	// Lookup is a string column mapped to len(Default) values: Table[j][code]
	// for output j, Default[j] for any other string (target encoding).
	Lookup FeatureKind = "lookup"
)

// Feature is one block of learner inputs computed from one Column: what the
// preprocessing does to that column, in the subset ONNX can express.
type Feature struct {
	Kind FeatureKind
	// Column is the index of the source column in Spec.Columns.
	Column int

	// Number fields.
	Imputed   bool
	ImputeInf bool
	Impute    float64
	Offset    float64
	Scale     float64
	Indicator bool

	// Code, OneHot and Lookup: Keys[i] has code Codes[i] (codes may repeat).
	Keys  []string
	Codes []int
	// Width is the number of OneHot outputs; codes must be below it.
	Width int
	// Table and Default are the Lookup values.
	Table   [][]float64
	Default []float64
}

// width is the number of learner features f produces.
func (f *Feature) width() int {
	switch f.Kind {
	case OneHot:
		return f.Width
	case Lookup:
		return len(f.Default)
	case Number:
		if f.Indicator {
			return 2
		}
	}
	return 1
}

// Spec describes the inputs of an exported model and how they become the
// learner's feature vector.
type Spec struct {
	// Columns are the graph inputs, in order.
	Columns []Column `json:"columns"`
	// Features are the learner inputs, in the learner's order (one-hot
	// features take Width() consecutive positions).
	Features []Feature `json:"features"`
	// Classes are the class labels in output order (sorted by their
	// string); empty for a regression.
	Classes []string `json:"classes,omitempty"`
}

// NumFeatures returns the width of the learner's feature vector.
func (s *Spec) NumFeatures() int {
	n := 0
	for i := range s.Features {
		n += s.Features[i].width()
	}
	return n
}

// Validate checks that every feature refers to a column of a suitable type.
func (s *Spec) Validate() error {
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		if c.Name == "" {
			return fmt.Errorf("spec: a column has an empty name")
		}
		if seen[c.Name] {
			return fmt.Errorf("spec: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
	}
	for i := range s.Features {
		if err := s.Features[i].validate(s.Columns); err != nil {
			return fmt.Errorf("spec: feature %d: %w", i, err)
		}
	}
	return nil
}

func (f *Feature) validate(cols []Column) error {
	if f.Column < 0 || f.Column >= len(cols) {
		return fmt.Errorf("column %d of %d", f.Column, len(cols))
	}
	c := cols[f.Column]
	if c.String == (f.Kind == Number) {
		return fmt.Errorf("%s feature on column %q (string %v)", f.Kind, c.Name, c.String)
	}
	switch f.Kind {
	case Number:
		return nil
	case Code, OneHot, Lookup:
	default:
		return fmt.Errorf("unknown kind %q", f.Kind)
	}
	if len(f.Keys) != len(f.Codes) || len(f.Keys) == 0 {
		return fmt.Errorf("column %q: %d keys and %d codes", c.Name, len(f.Keys), len(f.Codes))
	}
	seen := make(map[string]bool, len(f.Keys))
	maxCode := 0
	for i, k := range f.Keys {
		if seen[k] {
			return fmt.Errorf("column %q: key %q appears twice", c.Name, k)
		}
		seen[k] = true
		if f.Codes[i] < 0 || f.Codes[i] >= maxCategory {
			return fmt.Errorf("column %q: code %d out of range", c.Name, f.Codes[i])
		}
		maxCode = max(maxCode, f.Codes[i])
	}
	switch f.Kind {
	case OneHot:
		if f.Width <= maxCode {
			return fmt.Errorf("column %q: one-hot width %d for code %d", c.Name, f.Width, maxCode)
		}
	case Lookup:
		if len(f.Default) == 0 || len(f.Table) != len(f.Default) {
			return fmt.Errorf("column %q: %d lookup tables for %d defaults", c.Name, len(f.Table), len(f.Default))
		}
		for _, t := range f.Table {
			if len(t) <= maxCode {
				return fmt.Errorf("column %q: lookup table of %d values for code %d", c.Name, len(t), maxCode)
			}
		}
	}
	return nil
}

// graphBuilder accumulates nodes, initializers and unique names.
type graphBuilder struct {
	g    Graph
	used map[string]bool
}

func newGraphBuilder() *graphBuilder { return &graphBuilder{used: map[string]bool{}} }

// name returns a tensor name starting with base that no input uses.
func (b *graphBuilder) name(base string) string {
	n := base
	for i := 1; b.used[n]; i++ {
		n = base + "_" + strconv.Itoa(i)
	}
	b.used[n] = true
	return n
}

func (b *graphBuilder) node(op, domain string, in, out []string, attrs ...Attr) {
	b.g.Nodes = append(b.g.Nodes, Node{
		Name: b.name("node_" + op), OpType: op, Domain: domain,
		Inputs: in, Outputs: out, Attrs: attrs,
	})
}

// inputs adds one [N, 1] graph input per column and reserves the output
// names.
func (b *graphBuilder) inputs(cols []Column) {
	for _, c := range cols {
		b.used[c.Name] = true
	}
	for _, n := range []string{"label", "probabilities", "value"} {
		b.used[n] = true
	}
	for _, c := range cols {
		et := Float
		if c.String {
			et = String
		}
		b.g.Inputs = append(b.g.Inputs, ValueInfo{Name: c.Name, ElemType: et, Shape: []Dim{{Param: "N"}, {Value: 1}}})
	}
}

// features adds the preprocessing of feats (over the graph inputs cols) and
// returns the name of the [N, F] float tensor of learner features.
func (b *graphBuilder) features(cols []Column, feats []Feature) (string, error) {
	parts := make([]string, 0, len(feats))
	for i := range feats {
		if err := feats[i].validate(cols); err != nil {
			return "", fmt.Errorf("feature %d: %w", i, err)
		}
		parts = b.feature(&feats[i], cols[feats[i].Column].Name, parts)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("no features")
	}
	out := b.name("features")
	b.node("Concat", "", parts, []string{out}, Int("axis", 1))
	return out, nil
}

// feature adds the nodes of one feature and appends its output tensors.
func (b *graphBuilder) feature(f *Feature, col string, parts []string) []string {
	cur := col
	switch f.Kind {
	case Number:
		var ind string
		if f.Indicator {
			isNaN, isInf, or := b.name(col+"_isnan"), b.name(col+"_isinf"), b.name(col+"_notfinite")
			b.node("IsNaN", "", []string{cur}, []string{isNaN})
			b.node("IsInf", "", []string{cur}, []string{isInf})
			b.node("Or", "", []string{isNaN, isInf}, []string{or})
			ind = b.name(col + "_missing")
			b.node("Cast", "", []string{or}, []string{ind}, Int("to", int64(Float)))
		}
		if f.Imputed {
			replace := []float64{math.NaN()}
			if f.ImputeInf {
				replace = append(replace, math.Inf(1), math.Inf(-1))
			}
			for _, r := range replace {
				out := b.name(col + "_imputed")
				b.node("Imputer", mlDomain, []string{cur}, []string{out},
					Floats("imputed_value_floats", float32(f.Impute)),
					FloatAttr("replaced_value_float", float32(r)))
				cur = out
			}
		}
		if f.Scale != 0 {
			out := b.name(col + "_scaled")
			b.node("Scaler", mlDomain, []string{cur}, []string{out},
				Floats("offset", float32(f.Offset)), Floats("scale", float32(f.Scale)))
			cur = out
		}
		parts = append(parts, cur)
		if ind != "" {
			parts = append(parts, ind)
		}
	case Code:
		codes := make([]float32, len(f.Codes))
		for j, c := range f.Codes {
			codes[j] = float32(c)
		}
		out := b.name(col + "_code")
		b.node("LabelEncoder", mlDomain, []string{cur}, []string{out},
			Strings("keys_strings", f.Keys...), Floats("values_floats", codes...),
			FloatAttr("default_float", float32(math.NaN())))
		parts = append(parts, out)
	case OneHot:
		codes := make([]int64, len(f.Codes))
		for j, c := range f.Codes {
			codes[j] = int64(c)
		}
		idx := b.name(col + "_index")
		b.node("LabelEncoder", mlDomain, []string{cur}, []string{idx},
			Strings("keys_strings", f.Keys...), Ints("values_int64s", codes...), Int("default_int64", -1))
		cats := make([]int64, f.Width)
		for j := range cats {
			cats[j] = int64(j)
		}
		oh := b.name(col + "_onehot")
		b.node("OneHotEncoder", mlDomain, []string{idx}, []string{oh}, Ints("cats_int64s", cats...), Int("zeros", 1))
		shape := b.name(col + "_onehot_shape")
		b.g.Initializers = append(b.g.Initializers, Tensor{
			Name: shape, Dims: []int64{2}, DataType: Int64, Int64s: []int64{-1, int64(f.Width)},
		})
		out := b.name(col + "_onehot2d")
		b.node("Reshape", "", []string{oh, shape}, []string{out})
		parts = append(parts, out)
	case Lookup:
		for j, t := range f.Table {
			vals := make([]float32, len(f.Codes))
			for i, c := range f.Codes {
				vals[i] = float32(t[c])
			}
			out := b.name(col + "_lookup")
			b.node("LabelEncoder", mlDomain, []string{cur}, []string{out},
				Strings("keys_strings", f.Keys...), Floats("values_floats", vals...),
				FloatAttr("default_float", float32(f.Default[j])))
			parts = append(parts, out)
		}
	}
	return parts
}
