package onnx

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/onnx/ortcheck"
)

// randomTreeModel builds a model of random trees over nnum numeric features
// (thresholds on the grid points) followed by ncat categorical ones with
// nlev levels each.
func randomTreeModel(rng *rand.Rand, objective, transform string, k, ntrees, nnum, ncat, nlev int, grid []float64) *gbdt.Model {
	m := &gbdt.Model{Version: gbdt.ModelVersion, Objective: objective, Transform: transform, TreesPerIteration: k, NumClass: max(k, 2)}
	if objective == "regression" {
		m.NumClass = 1
	}
	for j := range nnum {
		m.Features = append(m.Features, gbdt.FeatureInfo{Name: "x" + strconv.Itoa(j), HasMissing: j%2 == 0})
	}
	for j := range ncat {
		m.Features = append(m.Features, gbdt.FeatureInfo{Name: "c" + strconv.Itoa(j), Categorical: true})
	}
	for range k {
		m.InitScore = append(m.InitScore, rng.NormFloat64())
	}
	for range ntrees * k {
		var nodes []gbdt.Node
		var grow func(depth int) int
		grow = func(depth int) int {
			i := len(nodes)
			nodes = append(nodes, gbdt.Node{})
			if depth == 0 || rng.IntN(5) == 0 {
				nodes[i] = gbdt.Node{Leaf: true, Value: rng.NormFloat64() * 0.3}
				return i
			}
			n := gbdt.Node{Feature: rng.IntN(nnum + ncat), Hessian: 1}
			if n.Feature >= nnum {
				n.Categorical = true
				for c := range nlev {
					if rng.IntN(2) == 0 {
						n.Categories = append(n.Categories, c)
					}
				}
			} else {
				n.Threshold = grid[rng.IntN(len(grid))]
				if rng.IntN(3) == 0 {
					// A float64 threshold just below a float32 value.
					n.Threshold -= 1e-12 * max(1, math.Abs(n.Threshold))
				}
				n.DefaultLeft = rng.IntN(2) == 0
			}
			n.Left = grow(depth - 1)
			n.Right = grow(depth - 1)
			nodes[i] = n
			return i
		}
		grow(1 + rng.IntN(5))
		m.Trees = append(m.Trees, gbdt.Tree{Nodes: nodes})
	}
	m.Iterations = ntrees
	return m
}

// treeSpec maps numeric features to float columns and categorical ones to
// string columns with levels "L0".."L{nlev-1}".
func treeSpec(m *gbdt.Model, nlev int, classes []string) *Spec {
	s := &Spec{Classes: classes}
	for j, f := range m.Features {
		c := Column{Name: f.Name, String: f.Categorical}
		s.Columns = append(s.Columns, c)
		ft := Feature{Kind: Number, Column: j}
		if f.Categorical {
			ft.Kind = Code
			for l := range nlev {
				ft.Keys = append(ft.Keys, "L"+strconv.Itoa(l))
				ft.Codes = append(ft.Codes, l)
			}
		}
		s.Features = append(s.Features, ft)
	}
	return s
}

// edgeInputs returns n rows per column: grid values, the grid points' float32
// neighbours, NaN, ±Inf, and for string columns levels, unseen and empty
// strings.
func edgeInputs(rng *rand.Rand, s *Spec, n int, grid []float64) []ortcheck.Input {
	var ins []ortcheck.Input
	for _, c := range s.Columns {
		in := ortcheck.Input{Name: c.Name}
		if c.String {
			in.Strings = make([]string, n)
			for i := range in.Strings {
				switch r := rng.IntN(10); {
				case r == 0:
					in.Strings[i] = ""
				case r == 1:
					in.Strings[i] = "unseen"
				default:
					in.Strings[i] = "L" + strconv.Itoa(rng.IntN(8))
				}
			}
		} else {
			in.Floats = make([]float32, n)
			for i := range in.Floats {
				g := float32(grid[rng.IntN(len(grid))])
				switch r := rng.IntN(12); {
				case r == 0:
					in.Floats[i] = float32(math.NaN())
				case r == 1:
					in.Floats[i] = float32(math.Inf(1))
				case r == 2:
					in.Floats[i] = float32(math.Inf(-1))
				case r < 5:
					in.Floats[i] = math.Nextafter32(g, float32(math.Inf(1)))
				case r < 7:
					in.Floats[i] = math.Nextafter32(g, float32(math.Inf(-1)))
				case r < 9:
					in.Floats[i] = g
				default:
					in.Floats[i] = float32(rng.NormFloat64() * 2)
				}
			}
		}
		ins = append(ins, in)
	}
	return ins
}

// encodeRow computes learner features for row i as the graph does.
func encodeRow(s *Spec, ins []ortcheck.Input, i int, x []float64) []float64 {
	x = x[:0]
	for _, f := range s.Features {
		in := ins[f.Column]
		if f.Kind != Number {
			code := -1
			for j, k := range f.Keys {
				if k == in.Strings[i] {
					code = f.Codes[j]
				}
			}
			switch f.Kind {
			case Code:
				if code < 0 {
					x = append(x, math.NaN())
				} else {
					x = append(x, float64(code))
				}
			case OneHot:
				for j := range f.Width {
					x = append(x, b2f(j == code))
				}
			case Lookup:
				for j, t := range f.Table {
					if code < 0 {
						x = append(x, float64(float32(f.Default[j])))
					} else {
						x = append(x, float64(float32(t[code])))
					}
				}
			}
			continue
		}
		v := float64(in.Floats[i])
		bad := math.IsNaN(v) || math.IsInf(v, 0)
		if f.Imputed && (math.IsNaN(v) || f.ImputeInf && math.IsInf(v, 0)) {
			v = float64(float32(f.Impute))
		}
		if f.Scale != 0 {
			v = (v - f.Offset) * f.Scale
		}
		x = append(x, v)
		if f.Indicator {
			x = append(x, b2f(bad))
		}
	}
	return x
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// wantProbabilities returns the Go model's per-class probabilities (or the
// value) of row x.
func gbdtOutputs(m *gbdt.Model, x []float64, nclass int) []float64 {
	out := make([]float64, m.NumOutputs())
	m.Predict(x, out)
	if m.Objective == "binary" {
		return []float64{1 - out[0], out[0]}
	}
	return out
}

func TestGBDTParityWithOnnxruntime(t *testing.T) {
	grid := []float64{-1.5, -0.25, 0, 0.1, 0.3333333333, 1, 2.75, 1e-8, 12345.678}
	for i, g := range grid {
		grid[i] = float64(float32(g))
	}
	type tc struct {
		name    string
		m       *gbdt.Model
		classes []string
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []tc
	cases = append(cases,
		tc{"binary", randomTreeModel(rng, "binary", "sigmoid", 1, 30, 4, 2, 6, grid), []string{"no", "yes"}},
		tc{"multiclass", randomTreeModel(rng, "multiclass", "softmax", 3, 20, 4, 2, 6, grid), []string{"a", "b", "c"}},
		tc{"regression", randomTreeModel(rng, "regression", "identity", 1, 40, 4, 2, 6, grid), nil},
		tc{"forest-binary", scaleLeaves(randomTreeModel(rng, "binary", "identity", 1, 10, 3, 1, 4, grid), 0.01), []string{"0", "1"}},
		tc{"forest-multiclass", randomTreeModel(rng, "multiclass", "identity", 3, 10, 3, 1, 4, grid), []string{"x", "y", "z"}},
		tc{"multiclass-two-classes", randomTreeModel(rng, "multiclass", "softmax", 2, 10, 3, 1, 4, grid), []string{"p", "q"}},
	)
	// A binary model whose weights are all positive, with raw scores in
	// (0, 0.5]: probabilities above 0.5.
	pos := scaleLeaves(randomTreeModel(rng, "binary", "sigmoid", 1, 10, 3, 1, 4, grid), 0.01)
	pos.InitScore[0] = 0.05
	cases = append(cases, tc{"binary-positive-weights", pos, []string{"n", "y"}})
	// A tree with only a root leaf, and an empty category set.
	cases[2].m.Trees[0] = gbdt.Tree{Nodes: []gbdt.Node{{Leaf: true, Value: 0.5}}}
	cases[2].m.Trees[1] = gbdt.Tree{Nodes: []gbdt.Node{
		{Feature: 4, Categorical: true, Left: 1, Right: 2},
		{Leaf: true, Value: 7}, {Leaf: true, Value: -7},
	}}
	const n = 600
	var runs []ortcheck.Case
	var specs []*Spec
	for _, c := range cases {
		s := treeSpec(c.m, 6, c.classes)
		om, err := GBDT(s, c.m, Options{})
		if err != nil {
			t.Fatalf("GBDT(%s): %v", c.name, err)
		}
		specs = append(specs, s)
		runs = append(runs, ortcheck.Case{Model: om.Marshal(), Inputs: edgeInputs(rng, s, n, grid)})
	}
	res := ortcheck.Run(t, runs)
	for ci, c := range cases {
		r := res[ci]
		if r.Err != "" {
			t.Errorf("%s: onnxruntime: %s", c.name, r.Err)
			continue
		}
		checkOutputs(t, c.name, specs[ci], runs[ci].Inputs, r, n, func(x []float64) []float64 {
			return gbdtOutputs(c.m, x, len(c.classes))
		})
	}
}

func scaleLeaves(m *gbdt.Model, f float64) *gbdt.Model {
	for t := range m.Trees {
		for i := range m.Trees[t].Nodes {
			m.Trees[t].Nodes[i].Value = math.Abs(m.Trees[t].Nodes[i].Value) * f
		}
	}
	m.InitScore[0] = 0.3
	return m
}

// checkOutputs compares onnxruntime's outputs with want (probabilities per
// class, or the value) row by row.
func checkOutputs(t *testing.T, name string, s *Spec, ins []ortcheck.Input, r ortcheck.Result, n int, want func([]float64) []float64) {
	t.Helper()
	var x []float64
	bad := 0
	if len(s.Classes) == 0 {
		v := r.Outputs["value"]
		if len(v.Floats) != n || len(v.Shape) != 2 || v.Shape[1] != 1 {
			t.Fatalf("%s: value has shape %v, want [%d 1]", name, v.Shape, n)
		}
		for i := range n {
			x = encodeRow(s, ins, i, x)
			w := want(x)[0]
			if g := float64(v.Floats[i]); math.Abs(g-w) > 1e-5*max(1, math.Abs(w)) && bad < 5 {
				bad++
				t.Errorf("%s row %d: onnx value = %v, want %v (x=%v)", name, i, g, w, x)
			}
		}
		return
	}
	k := len(s.Classes)
	p := r.Outputs["probabilities"]
	l := r.Outputs["label"]
	if len(p.Floats) != n*k || len(p.Shape) != 2 || p.Shape[1] != k {
		t.Fatalf("%s: probabilities has shape %v, want [%d %d]", name, p.Shape, n, k)
	}
	if len(l.Strings) != n {
		t.Fatalf("%s: label has %d strings, want %d", name, len(l.Strings), n)
	}
	for i := range n {
		x = encodeRow(s, ins, i, x)
		w := want(x)
		best := 0
		for c := range k {
			if g := float64(p.Floats[i*k+c]); math.Abs(g-w[c]) > 1e-5 && bad < 5 {
				bad++
				t.Errorf("%s row %d class %d: onnx probability = %v, want %v (x=%v)", name, i, c, g, w[c], x)
			}
			if w[c] > w[best] {
				best = c
			}
		}
		second := math.Inf(-1)
		for c := range k {
			if c != best {
				second = max(second, w[c])
			}
		}
		if w[best]-second > 1e-5 && l.Strings[i] != s.Classes[best] && bad < 5 {
			bad++
			t.Errorf("%s row %d: onnx label = %q, want %q (p=%v)", name, i, l.Strings[i], s.Classes[best], w)
		}
	}
}

func TestBinaryForestRejectsNegativeLeaves(t *testing.T) {
	grid := []float64{0, 1}
	m := randomTreeModel(rand.New(rand.NewPCG(3, 4)), "binary", "identity", 1, 5, 2, 0, 0, grid)
	m.Trees[0] = gbdt.Tree{Nodes: []gbdt.Node{{Leaf: true, Value: -0.1}}}
	m.InitScore[0] = 0
	if _, err := GBDT(treeSpec(m, 0, []string{"a", "b"}), m, Options{}); err == nil {
		t.Errorf("GBDT(binary forest with a negative leaf) succeeded, want an error")
	}
}

func TestTreesNeedMLOpsetBelow5(t *testing.T) {
	m := randomTreeModel(rand.New(rand.NewPCG(1, 1)), "regression", "identity", 1, 2, 2, 0, 0, []float64{0, 1})
	if _, err := GBDT(treeSpec(m, 0, nil), m, Options{MLOpset: 5}); err == nil {
		t.Errorf("GBDT(ai.onnx.ml opset 5) = nil error, want one (TreeEnsembleRegressor was removed there)")
	}
	if _, err := GBDT(treeSpec(m, 0, nil), m, Options{MLOpset: 4}); err != nil {
		t.Errorf("GBDT(ai.onnx.ml opset 4) = %v", err)
	}
}
