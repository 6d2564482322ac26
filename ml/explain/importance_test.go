package explain

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trainyard/trainyard/ml/gbdt"
)

func TestGainNormalizes(t *testing.T) {
	m := &gbdt.Model{Features: make([]gbdt.FeatureInfo, 3), Trees: []gbdt.Tree{
		{Nodes: []gbdt.Node{{Feature: 0, Gain: 3, Left: 1, Right: 2}, {Leaf: true}, {Leaf: true}}},
		{Nodes: []gbdt.Node{{Feature: 2, Gain: 1, Left: 1, Right: 2}, {Leaf: true}, {Feature: 0, Gain: 4, Left: 3, Right: 4}, {Leaf: true}, {Leaf: true}}},
	}}
	got := Gain(m)
	want := []float64{7.0 / 8, 0, 1.0 / 8}
	if !cmp.Equal(got, want, cmpopts.EquateApprox(0, 1e-12)) {
		t.Errorf("Gain = %v, want %v", got, want)
	}
	if g := Group(got, [][]int{{0, 1}, {2}}); !cmp.Equal(g, []float64{7.0 / 8, 1.0 / 8}, cmpopts.EquateApprox(0, 1e-12)) {
		t.Errorf("Group = %v", g)
	}
}

func TestPermutationFindsTheUsedColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 500
	cols := make([][]float64, 3)
	for j := range cols {
		cols[j] = make([]float64, n)
		for i := range n {
			cols[j][i] = rng.NormFloat64()
		}
	}
	y := make([]float64, n)
	for i := range n {
		y[i] = 2*cols[0][i] + 0.5*cols[1][i]
	}
	orig := make([][]float64, 3)
	for j := range cols {
		orig[j] = slices.Clone(cols[j])
	}
	// The "model" is the true function; the loss is the MSE.
	score := func(c [][]float64) (float64, error) {
		s := 0.0
		for i := range n {
			d := 2*c[0][i] + 0.5*c[1][i] - y[i]
			s += d * d
		}
		return s / float64(n), nil
	}
	groups := [][]int{{0}, {1}, {2}}
	r1, err := Permutation(context.Background(), cols, groups, score, 4, 42)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Base != 0 || !(r1.Mean[0] > r1.Mean[1]) || !(r1.Mean[1] > 0) || r1.Mean[2] != 0 {
		t.Errorf("Permutation = base %v mean %v, want 0, mean[0] > mean[1] > 0 = mean[2]", r1.Base, r1.Mean)
	}
	// Shuffling x0 costs about 2 * Var(2 x0) = 8.
	if math.Abs(r1.Mean[0]-8) > 1.5 {
		t.Errorf("Permutation mean[0] = %v, want about 8", r1.Mean[0])
	}
	r2, _ := Permutation(context.Background(), cols, groups, score, 4, 42)
	if !cmp.Equal(r1, r2) {
		t.Errorf("Permutation with the same seed differs: %v vs %v", r1, r2)
	}
	if !cmp.Equal(cols, orig) {
		t.Errorf("Permutation modified its input columns")
	}
	if _, err := Permutation(context.Background(), cols, [][]int{{3}}, score, 1, 1); err == nil {
		t.Errorf("Permutation(group with column 3 of 3) = nil error")
	}
}
