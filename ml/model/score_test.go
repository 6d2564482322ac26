package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// randomTree grows a numerical tree of the given number of leaves by
// splitting random leaves: on feature 0..nf-1, at thresholds from ths,
// with NaN going either way.
func randomTree(rng *rand.Rand, leaves, nf int, ths []float64) gbdt.Tree {
	nodes := []gbdt.Node{{Leaf: true}}
	open := []int{0}
	for len(open) < leaves {
		i := rng.IntN(len(open))
		at := open[i]
		l, r := len(nodes), len(nodes)+1
		nodes = append(nodes, gbdt.Node{Leaf: true}, gbdt.Node{Leaf: true})
		nodes[at] = gbdt.Node{Feature: rng.IntN(nf), Threshold: ths[rng.IntN(len(ths))], DefaultLeft: rng.IntN(2) == 0, Left: l, Right: r}
		open[i] = l
		open = append(open, r)
	}
	for _, i := range open {
		nodes[i].Value = float64(rng.IntN(1 << 20))
	}
	return gbdt.Tree{Nodes: nodes}
}

// TestScorerMatchesGBDT checks the scorer against gbdt on random numerical
// trees (deep chains and bushy ones, up to 64 leaves, one-leaf and empty
// trees, NaN sent either way, a NaN threshold, -0) for one and three
// outputs, on float32 inputs: every threshold and its neighbours, NaN and
// infinities (as the compiled trees see them; 0.1 is not one, its float32
// neighbours are). A tree of 65 leaves or a categorical split is walked
// instead.
func TestScorerMatchesGBDT(t *testing.T) {
	ths := []float64{math.NaN(), math.Inf(-1), -1, math.Copysign(0, -1), 0.1, 0.5, 1, 3.75, math.Inf(1)}
	xs := []float64{math.NaN(), math.Copysign(0, -1), 0}
	for _, th := range ths {
		f := float32(th)
		xs = append(xs, float64(f), float64(math.Nextafter32(f, float32(math.Inf(1)))), float64(math.Nextafter32(f, float32(math.Inf(-1)))))
	}
	for _, k := range []int{1, 3} {
		rng := rand.New(rand.NewPCG(1, uint64(k)))
		m := &gbdt.Model{
			Objective: "regression", Transform: "identity", NumClass: k, TreesPerIteration: k,
			InitScore: make([]float64, k),
			Features:  []gbdt.FeatureInfo{{Name: "a"}, {Name: "b"}, {Name: "c"}},
			Trees:     []gbdt.Tree{{}, {Nodes: []gbdt.Node{{Leaf: true, Value: 7}}}},
		}
		for _, leaves := range []int{2, 5, 31, 31, 64, 64, 17, 3, 64, 40} {
			m.Trees = append(m.Trees, randomTree(rng, leaves, 3, ths))
		}
		ts, ok := compileTrees(m)
		if !ok || ts.score == nil {
			t.Fatalf("k=%d: compileTrees gave no scorer", k)
		}
		var rows [][]float64
		for range 3000 {
			rows = append(rows, []float64{xs[rng.IntN(len(xs))], xs[rng.IntN(len(xs))], xs[rng.IntN(len(xs))]})
		}
		checkRaw(t, m, ts, rows)
		trees := m.Trees[:len(m.Trees):len(m.Trees)]
		m.Trees = append(trees, randomTree(rng, maxScoreLeaves+1, 3, ths))
		if ts, _ := compileTrees(m); ts == nil || ts.score != nil {
			t.Errorf("k=%d: a tree of %d leaves: want the walk, not the scorer", k, maxScoreLeaves+1)
		}
		m.Features = append(m.Features, gbdt.FeatureInfo{Name: "d", Categorical: true})
		m.Trees = append(trees, gbdt.Tree{Nodes: []gbdt.Node{
			{Feature: 3, Categorical: true, Categories: []int{1, 4}, Left: 1, Right: 2}, {Leaf: true, Value: 1}, {Leaf: true, Value: 2},
		}})
		if ts, _ := compileTrees(m); ts == nil || ts.score != nil {
			t.Errorf("k=%d: a categorical split: want the walk, not the scorer", k)
		}
	}
}

// TestScorerManyFeatures checks the scorer against gbdt with 130 features,
// which it takes 64 at a time: splits on the first and last features of
// each group of 64, most keys above every bound or NaN, so that rows go
// right and send NaN right in every group.
func TestScorerManyFeatures(t *testing.T) {
	const nf = 130
	ths := []float64{math.NaN(), -1, 0, 0.5, 2}
	xs := []float64{math.NaN(), -1, 0, 0.5, 1, 3}
	m := &gbdt.Model{
		Objective: "regression", Transform: "identity", NumClass: 1, TreesPerIteration: 1,
		InitScore: []float64{0},
	}
	for j := range nf {
		m.Features = append(m.Features, gbdt.FeatureInfo{Name: fmt.Sprint("f", j)})
	}
	rng := rand.New(rand.NewPCG(2, 0))
	for range 40 {
		m.Trees = append(m.Trees, randomTree(rng, 31, nf, ths))
	}
	for _, j := range []int{0, 63, 64, 127, 128, 129} {
		m.Trees = append(m.Trees, gbdt.Tree{Nodes: []gbdt.Node{
			{Feature: j, Threshold: 0.5, Left: 1, Right: 2}, {Leaf: true, Value: float64(j)}, {Leaf: true, Value: float64(1000 + j)},
		}})
	}
	ts, ok := compileTrees(m)
	if !ok || ts.score == nil {
		t.Fatal("compileTrees gave no scorer")
	}
	var rows [][]float64
	for range 2000 {
		x := make([]float64, nf)
		for j := range x {
			x[j] = xs[rng.IntN(len(xs))]
		}
		rows = append(rows, x)
	}
	checkRaw(t, m, ts, rows)
}

// TestNoTreesPredictsInit: a model without trees (none could split) predicts its initial
// scores through the compiled form.
func TestNoTreesPredictsInit(t *testing.T) {
	m := &gbdt.Model{Objective: "regression", Transform: "identity", NumClass: 1, TreesPerIteration: 1,
		InitScore: []float64{2.5}, Features: []gbdt.FeatureInfo{{Name: "a"}}}
	ts, ok := compileTrees(m)
	if !ok {
		t.Fatal("compileTrees refused a model without trees")
	}
	keys := make([]uint32, 20*ts.stride())
	for r := range 20 {
		ts.setKeys(keys[r*ts.stride():], []float64{float64(r)})
	}
	got := make([]float64, 20)
	for r := range got {
		got[r] = ts.init[0] // raw adds the trees to what the caller filled in
	}
	w := newWalkBuf(20, len(ts.roots))
	ts.raw(keys, 20, &w, got)
	for r, v := range got {
		if v != 2.5 {
			t.Fatalf("row %d: raw = %v, want the initial score 2.5", r, v)
		}
	}
}
