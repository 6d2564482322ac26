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

// Feature is one learner input computed from a Column: what the
// preprocessing does to that column, in the subset ONNX can express.
//
// For a float column the value is x, then NaN is replaced by Impute when
// Imputed is set, then the result is (x - Offset) * Scale when Scale is not
// zero. For a string column with OneHot false the value is the index of the
// string in Levels, or NaN when it is not one of them (missing, unseen);
// with OneHot true the feature expands to len(Levels) indicator features,
// all zero for a string that is not a level.
type Feature struct {
	// Column is the index of the source column in Spec.Columns.
	Column int `json:"column"`
	// Levels are the categories of a string column, in code order.
	Levels []string `json:"levels,omitempty"`
	// OneHot expands a string column into one indicator per level.
	OneHot bool `json:"one_hot,omitempty"`
	// Imputed enables replacing NaN by Impute (float columns).
	Imputed bool    `json:"imputed,omitempty"`
	Impute  float64 `json:"impute,omitempty"`
	// Offset and Scale standardize a float column when Scale != 0.
	Offset float64 `json:"offset,omitempty"`
	Scale  float64 `json:"scale,omitempty"`
}

// Width is the number of learner features f produces.
func (f *Feature) Width() int {
	if f.OneHot {
		return len(f.Levels)
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
		n += s.Features[i].Width()
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
		f := &s.Features[i]
		if f.Column < 0 || f.Column >= len(s.Columns) {
			return fmt.Errorf("spec: feature %d refers to column %d of %d", i, f.Column, len(s.Columns))
		}
		c := s.Columns[f.Column]
		if c.String {
			if len(f.Levels) == 0 {
				return fmt.Errorf("spec: feature %d: string column %q needs levels", i, c.Name)
			}
			if f.Imputed || f.Scale != 0 {
				return fmt.Errorf("spec: feature %d: string column %q cannot be imputed or scaled", i, c.Name)
			}
			if len(f.Levels) > maxCategory {
				return fmt.Errorf("spec: feature %d: %d levels is more than %d", i, len(f.Levels), maxCategory)
			}
			lv := make(map[string]bool, len(f.Levels))
			for _, l := range f.Levels {
				if lv[l] {
					return fmt.Errorf("spec: feature %d: level %q appears twice", i, l)
				}
				lv[l] = true
			}
		} else if len(f.Levels) > 0 || f.OneHot {
			return fmt.Errorf("spec: feature %d: float column %q cannot have levels", i, c.Name)
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

// features adds the inputs and preprocessing of s to the graph and returns
// the name of the [N, F] float tensor of learner features.
func (b *graphBuilder) features(s *Spec) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	for _, c := range s.Columns {
		b.used[c.Name] = true
	}
	// Reserve the output names so no intermediate tensor takes them.
	for _, n := range []string{"label", "probabilities", "value"} {
		b.used[n] = true
	}
	for _, c := range s.Columns {
		et := Float
		if c.String {
			et = String
		}
		b.g.Inputs = append(b.g.Inputs, ValueInfo{Name: c.Name, ElemType: et, Shape: []Dim{{Param: "N"}, {Value: 1}}})
	}
	parts := make([]string, 0, len(s.Features))
	for i := range s.Features {
		f := &s.Features[i]
		col := s.Columns[f.Column]
		cur := col.Name
		switch {
		case col.String && f.OneHot:
			oh := b.name(col.Name + "_onehot")
			b.node("OneHotEncoder", mlDomain, []string{cur}, []string{oh},
				Strings("cats_strings", f.Levels...), Int("zeros", 1))
			shape := b.name(col.Name + "_onehot_shape")
			b.g.Initializers = append(b.g.Initializers, Tensor{
				Name: shape, Dims: []int64{2}, DataType: Int64, Int64s: []int64{-1, int64(len(f.Levels))},
			})
			cur = b.name(col.Name + "_onehot2d")
			b.node("Reshape", "", []string{oh, shape}, []string{cur})
		case col.String:
			codes := make([]float32, len(f.Levels))
			for j := range codes {
				codes[j] = float32(j)
			}
			out := b.name(col.Name + "_code")
			b.node("LabelEncoder", mlDomain, []string{cur}, []string{out},
				Strings("keys_strings", f.Levels...), Floats("values_floats", codes...),
				FloatAttr("default_float", float32(math.NaN())))
			cur = out
		default:
			if f.Imputed {
				out := b.name(col.Name + "_imputed")
				b.node("Imputer", mlDomain, []string{cur}, []string{out},
					Floats("imputed_value_floats", float32(f.Impute)),
					FloatAttr("replaced_value_float", float32(math.NaN())))
				cur = out
			}
			if f.Scale != 0 {
				out := b.name(col.Name + "_scaled")
				b.node("Scaler", mlDomain, []string{cur}, []string{out},
					Floats("offset", float32(f.Offset)), Floats("scale", float32(f.Scale)))
				cur = out
			}
		}
		parts = append(parts, cur)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("spec: no features")
	}
	out := b.name("features")
	b.node("Concat", "", parts, []string{out}, Int("axis", 1))
	return out, nil
}
