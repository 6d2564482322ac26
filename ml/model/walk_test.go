package model

import (
	"math"
	"testing"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// TestCompiledCategoryWordEdge checks one-word categorical sets at the edge
// of the word: a set holding codes 0 and 63 is compiled as a one-word mask,
// and codes of 64 and more (whose low six bits are those of codes in the
// set) go right, as in gbdt. The sets sit at the root, where every row of a
// block passes through one split, and deeper, where the rows walk level by
// level; a numerical tree and a wide set follow in the same ensemble.
func TestCompiledCategoryWordEdge(t *testing.T) {
	leaf := func(v float64) gbdt.Node { return gbdt.Node{Leaf: true, Value: v} }
	m := &gbdt.Model{
		Objective: "regression", Transform: "identity", NumClass: 1, TreesPerIteration: 1,
		InitScore: []float64{-0.5},
		Features:  []gbdt.FeatureInfo{{Name: "x"}, {Name: "c", Categorical: true}},
		Trees: []gbdt.Tree{
			{Nodes: []gbdt.Node{
				{Feature: 1, Categorical: true, Categories: []int{0, 63}, Left: 1, Right: 2},
				leaf(1), {Feature: 0, Threshold: 0.5, Left: 3, Right: 4}, leaf(2), leaf(4),
			}},
			{Nodes: []gbdt.Node{
				{Feature: 0, Threshold: 0.25, DefaultLeft: true, Left: 1, Right: 2},
				{Feature: 1, Categorical: true, Categories: []int{1, 62, 63}, Left: 3, Right: 4},
				leaf(8), leaf(16), leaf(32),
			}},
			{Nodes: []gbdt.Node{
				{Feature: 0, Threshold: -1, Left: 1, Right: 2}, leaf(64),
				{Feature: 0, Threshold: 1, Left: 3, Right: 4}, leaf(128), leaf(256),
			}},
			{Nodes: []gbdt.Node{
				{Feature: 1, Categorical: true, Categories: []int{0, 64, 127}, Left: 1, Right: 2}, leaf(512), leaf(1024),
			}},
		},
	}
	ts, ok := compileTrees(m)
	if !ok {
		t.Fatal("compileTrees = false")
	}
	if want := []uint8{categoryTree, categoryTree, numericTree, wideTree}; string(ts.kind) != string(want) {
		t.Fatalf("tree kinds %v, want %v", ts.kind, want)
	}
	xs := []float64{math.NaN(), -2, -1, 0, 0.25, 0.5, 1, 2}
	cs := []float64{math.NaN(), -1, math.Inf(1), 1e9}
	for c := range 260 {
		cs = append(cs, float64(c))
	}
	var rows [][]float64
	for _, x := range xs {
		for _, c := range cs {
			rows = append(rows, []float64{x, c})
		}
	}
	checkRaw(t, m, ts, rows)
}

// checkRaw compares the raw scores that compiled ts gives for rows with
// those of m, from which it was compiled.
func checkRaw(t *testing.T, m *gbdt.Model, ts *treeSet, rows [][]float64) {
	t.Helper()
	k, st := ts.k, ts.stride()
	keys := make([]uint32, len(rows)*st)
	got := make([]float64, len(rows)*k)
	for r, x := range rows {
		ts.setKeys(keys[r*st:], x)
		copy(got[r*k:], ts.init) // raw adds the trees to what the caller filled in
	}
	w := newWalkBuf(len(rows), len(ts.roots))
	ts.raw(keys, len(rows), &w, got)
	want := make([]float64, k)
	for r, x := range rows {
		m.PredictRaw(x, want)
		for c := range k {
			if got[r*k+c] != want[c] {
				t.Fatalf("compiled raw(%v)[%d] = %v, want %v", x, c, got[r*k+c], want[c])
			}
		}
	}
}
