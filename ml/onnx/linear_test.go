package onnx

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/onnx/ortcheck"
)

// linearSpec has an imputed, scaled float column with a missing
// indicator, a scaled float column, a one-hot string column with "other"
// and "missing" columns, a target-encoded string column with two outputs
// and a float column passed through: 2+1+5+2+1 = 11 features.
func linearSpec(classes []string) *Spec {
	return &Spec{
		Columns: []Column{{Name: "age"}, {Name: "income (€) per year"}, {Name: "color", String: true}, {Name: "city", String: true}, {Name: "flag"}},
		Features: []Feature{
			{Kind: Number, Column: 0, Imputed: true, ImputeInf: true, Impute: 40, Offset: 38.5, Scale: 0.1, Indicator: true},
			{Kind: Number, Column: 1, Offset: -2, Scale: 3},
			{Kind: OneHot, Column: 2, Keys: []string{"blue", "green", "red", "teal", "navy", "", "NA"}, Codes: []int{0, 1, 2, 3, 3, 4, 4}, Width: 5},
			{Kind: Lookup, Column: 3, Keys: []string{"paris", "rome", "oslo"}, Codes: []int{0, 1, 2},
				Table: [][]float64{{0.1, 0.2, 0.3}, {-1, 0, 1}}, Default: []float64{0.15, 0.5}},
			{Kind: Number, Column: 4},
		},
		Classes: classes,
	}
}

func randomLinear(rng *rand.Rand, task linear.Task, rows, nfeat int) *linear.Model {
	m := &linear.Model{Task: task, NumFeatures: nfeat}
	if task != linear.Regression {
		m.NumClasses = max(rows, 2)
	}
	for range rows {
		w := make([]float64, nfeat)
		for j := range w {
			w[j] = rng.NormFloat64()
		}
		m.Coefficients = append(m.Coefficients, w)
		m.Intercepts = append(m.Intercepts, rng.NormFloat64())
	}
	return m
}

func linearInputs(rng *rand.Rand, n int) []ortcheck.Input {
	age := make([]float32, n)
	income := make([]float32, n)
	color := make([]string, n)
	city := make([]string, n)
	flag := make([]float32, n)
	colors := []string{"blue", "green", "red", "purple", "", "NA", "teal", "navy"}
	cities := []string{"paris", "rome", "oslo", "lima", ""}
	for i := range n {
		age[i] = float32(20 + rng.Float64()*50)
		switch i % 7 {
		case 0:
			age[i] = float32(math.NaN())
		case 1:
			age[i] = float32(math.Inf(1 - 2*(i%2)))
		}
		city[i] = cities[rng.IntN(len(cities))]
		income[i] = float32(rng.NormFloat64())
		color[i] = colors[rng.IntN(len(colors))]
		flag[i] = float32(rng.IntN(2))
	}
	return []ortcheck.Input{{Name: "age", Floats: age}, {Name: "income (€) per year", Floats: income}, {Name: "color", Strings: color}, {Name: "city", Strings: city}, {Name: "flag", Floats: flag}}
}

func TestLinearParityWithOnnxruntime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name    string
		m       *linear.Model
		classes []string
	}{
		{"regression", randomLinear(rng, linear.Regression, 1, 11), nil},
		{"binary", randomLinear(rng, linear.Binary, 1, 11), []string{"neg", "pos"}},
		{"multiclass", randomLinear(rng, linear.Multiclass, 4, 11), []string{"a", "b", "c", "d"}},
		{"multiclass-two-classes", randomLinear(rng, linear.Multiclass, 2, 11), []string{"a", "b"}},
	}
	const n = 300
	var runs []ortcheck.Case
	var specs []*Spec
	for _, c := range cases {
		s := linearSpec(c.classes)
		om, err := Linear(s, c.m, Options{})
		if err != nil {
			t.Fatalf("Linear(%s): %v", c.name, err)
		}
		specs = append(specs, s)
		runs = append(runs, ortcheck.Case{Model: om.Marshal(), Inputs: linearInputs(rng, n)})
	}
	res := ortcheck.Run(t, runs)
	for i, c := range cases {
		if res[i].Err != "" {
			t.Errorf("%s: onnxruntime: %s", c.name, res[i].Err)
			continue
		}
		checkOutputs(t, c.name, specs[i], runs[i].Inputs, res[i], n, func(x []float64) []float64 {
			out := make([]float64, c.m.NumOutputs())
			c.m.PredictProba(x, out)
			return out
		})
	}
}

func TestSpecValidate(t *testing.T) {
	num := Feature{Kind: Number}
	bad := []Spec{
		{Columns: []Column{{Name: "a"}, {Name: "a"}}, Features: []Feature{num}},
		{Columns: []Column{{Name: "a"}}, Features: []Feature{{Kind: Number, Column: 1}}},
		{Columns: []Column{{Name: "a", String: true}}, Features: []Feature{num}},
		{Columns: []Column{{Name: "a"}}, Features: []Feature{{Kind: Code, Keys: []string{"x"}, Codes: []int{0}}}},
		{Columns: []Column{{Name: "a", String: true}}, Features: []Feature{{Kind: Code, Keys: []string{"x", "x"}, Codes: []int{0, 1}}}},
		{Columns: []Column{{Name: "a", String: true}}, Features: []Feature{{Kind: OneHot, Keys: []string{"x", "y"}, Codes: []int{0, 1}, Width: 1}}},
		{Columns: []Column{{Name: "a", String: true}}, Features: []Feature{{Kind: Lookup, Keys: []string{"x"}, Codes: []int{1}, Table: [][]float64{{1}}, Default: []float64{0}}}},
		{Columns: []Column{{Name: ""}}, Features: []Feature{num}},
	}
	for i, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(bad spec %d) = nil, want an error", i)
		}
	}
	if err := linearSpec(nil).Validate(); err != nil {
		t.Errorf("Validate(linearSpec) = %v, want nil", err)
	}
}
