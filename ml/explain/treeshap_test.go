package explain

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// randomModel builds k outputs of random trees over nfeat features (the
// last one categorical), with consistent covers, and repeats features along
// paths so the unwind step is exercised.
func randomModel(rng *rand.Rand, k, trees, nfeat, depth int) *gbdt.Model {
	m := &gbdt.Model{Objective: "regression", Transform: "identity", TreesPerIteration: k, NumClass: 1}
	if k > 1 {
		m.Objective, m.Transform, m.NumClass = "multiclass", "softmax", k
	}
	for j := range nfeat {
		m.Features = append(m.Features, gbdt.FeatureInfo{Name: string(rune('a' + j)), Categorical: j == nfeat-1})
	}
	for range k {
		m.InitScore = append(m.InitScore, rng.NormFloat64())
	}
	for range trees * k {
		var nodes []gbdt.Node
		var grow func(d int, cov float64) int
		grow = func(d int, cov float64) int {
			i := len(nodes)
			nodes = append(nodes, gbdt.Node{Hessian: cov})
			if d == 0 || rng.IntN(6) == 0 {
				nodes[i].Leaf, nodes[i].Value = true, rng.NormFloat64()
				return i
			}
			f := rng.IntN(nfeat)
			n := gbdt.Node{Feature: f, Hessian: cov}
			if f == nfeat-1 {
				n.Categorical = true
				for c := range 4 {
					if rng.IntN(2) == 0 {
						n.Categories = append(n.Categories, c)
					}
				}
			} else {
				n.Threshold = float64(rng.IntN(5)) - 2
				n.DefaultLeft = rng.IntN(2) == 0
			}
			share := 0.1 + 0.8*rng.Float64()
			n.Left = grow(d-1, cov*share)
			n.Right = grow(d-1, cov*(1-share))
			nodes[i] = n
			return i
		}
		grow(depth, 100)
		m.Trees = append(m.Trees, gbdt.Tree{Nodes: nodes})
	}
	return m
}

func randomRow(rng *rand.Rand, nfeat int) []float64 {
	x := make([]float64, nfeat)
	for j := range x {
		x[j] = float64(rng.IntN(6)) - 2.5
		if rng.IntN(8) == 0 {
			x[j] = math.NaN()
		}
	}
	x[nfeat-1] = float64(rng.IntN(5))
	return x
}

// condExpect is the cover-weighted expectation of tree nodes at i given the
// features in set S fixed to x: the quantity TreeSHAP's Shapley values are
// defined on.
func condExpect(nodes []gbdt.Node, i int, x []float64, in func(int) bool) float64 {
	n := &nodes[i]
	if n.Leaf {
		return n.Value
	}
	if in(n.Feature) {
		if n.GoesLeft(x[n.Feature]) {
			return condExpect(nodes, n.Left, x, in)
		}
		return condExpect(nodes, n.Right, x, in)
	}
	fl, fr := fractions(nodes, n)
	return fl*condExpect(nodes, n.Left, x, in) + fr*condExpect(nodes, n.Right, x, in)
}

// bruteShapley computes exact Shapley values by enumerating subsets.
func bruteShapley(m *gbdt.Model, x []float64) []float64 {
	f := len(m.Features)
	k := max(m.TreesPerIteration, 1)
	phi := make([]float64, k*(f+1))
	fact := func(n int) float64 {
		r := 1.0
		for i := 2; i <= n; i++ {
			r *= float64(i)
		}
		return r
	}
	for t := range m.Trees {
		out := t % k
		nodes := m.Trees[t].Nodes
		for j := range f {
			for s := 0; s < 1<<f; s++ {
				if s&(1<<j) != 0 {
					continue
				}
				size := 0
				for b := range f {
					if s&(1<<b) != 0 {
						size++
					}
				}
				wt := fact(size) * fact(f-size-1) / fact(f)
				with := condExpect(nodes, 0, x, func(b int) bool { return s&(1<<b) != 0 || b == j })
				without := condExpect(nodes, 0, x, func(b int) bool { return s&(1<<b) != 0 })
				phi[out*(f+1)+j] += wt * (with - without)
			}
		}
	}
	return phi
}

func TestTreeSHAPMatchesBruteForceShapley(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 3} {
		m := randomModel(rng, k, 6, 5, 6)
		e := NewTreeExplainer(m)
		phi := make([]float64, k*6)
		for range 30 {
			x := randomRow(rng, 5)
			e.Explain(x, phi)
			want := bruteShapley(m, x)
			for i := range want {
				if i%6 == 5 {
					continue
				}
				if math.Abs(phi[i]-want[i]) > 1e-9 {
					t.Fatalf("k=%d x=%v: phi[%d] = %v, brute force %v", k, x, i, phi[i], want[i])
				}
			}
		}
	}
}

func TestTreeSHAPAdditivity(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, k := range []int{1, 4} {
		m := randomModel(rng, k, 20, 12, 7)
		e := NewTreeExplainer(m)
		f1 := len(m.Features) + 1
		phi := make([]float64, k*f1)
		raw := make([]float64, k)
		for range 50 {
			x := randomRow(rng, len(m.Features))
			e.Explain(x, phi)
			m.PredictRaw(x, raw)
			one := make([]float64, f1)
			for c := range k {
				e.ExplainOutput(x, c, one)
				for j := range one {
					if math.Abs(one[j]-phi[c*f1+j]) > 1e-12 {
						t.Fatalf("ExplainOutput(k=%d)[%d] = %v, Explain gives %v", c, j, one[j], phi[c*f1+j])
					}
				}
				s := 0.0
				for _, v := range phi[c*f1 : (c+1)*f1] {
					s += v
				}
				if math.Abs(s-raw[c]) > 1e-6 {
					t.Fatalf("k=%d output %d: contributions + expected = %v, raw score %v", k, c, s, raw[c])
				}
			}
		}
	}
}
