package model

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestExplanationsAddUp checks on trained models that the expected value
// plus every column's contribution is the member's raw output for the
// explained class, within 1e-6.
func TestExplanationsAddUp(t *testing.T) {
	type tc struct {
		name string
		a    *Artifact
		tb   *table
	}
	var all []tc
	for _, c := range cases {
		a, tb, _ := treesArtifact(t, c.file, c.target, 50)
		all = append(all, tc{"gbdt/" + c.file, a, tb})
	}
	a, tb := forestArtifact(t, "penguins.csv", "species", 20)
	all = append(all, tc{"forest/penguins.csv", a, tb})
	a, tb = linearArtifact(t, "penguins.csv", "species", 0)
	all = append(all, tc{"linear/penguins.csv", a, tb})
	for _, c := range all {
		p, err := NewPredictor(c.a)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := p.Bind(c.tb.header)
		m := c.a.Members[0]
		pl := c.a.Pipelines[m.Pipeline]
		enc, _ := pl.NewRowEncoder(c.tb.header)
		for i, r := range c.tb.recs[:min(400, len(c.tb.recs))] {
			ex, err := rec.Explain(r, 0)
			if err != nil {
				t.Fatalf("%s row %d: Explain = %v", c.name, i, err)
			}
			x, _, _ := enc.Encode(r, nil, nil)
			var d Prediction
			rec.Predict(r, &d)
			out := 0
			if c.a.Task == Multiclass {
				out = d.Class
				if ex.Output != d.Label {
					t.Fatalf("%s row %d: explains %q, predicted %q", c.name, i, ex.Output, d.Label)
				}
			}
			var want float64
			if m.Trees != nil {
				raw := make([]float64, m.Trees.NumOutputs())
				m.Trees.PredictRaw(roundFloat32(nil, x), raw)
				want = raw[out]
			} else {
				want = m.Linear.Score(x, out)
			}
			sum := ex.Expected
			for _, cb := range ex.Contributions {
				sum += cb.Value
			}
			if math.Abs(sum-want) > 1e-6 {
				t.Fatalf("%s row %d: expected %v + contributions = %v, raw output %v", c.name, i, ex.Expected, sum, want)
			}
			if len(ex.Contributions) != len(c.a.Schema) {
				t.Fatalf("%s: %d contributions for %d columns", c.name, len(ex.Contributions), len(c.a.Schema))
			}
		}
		ex, _ := rec.Explain(c.tb.recs[0], 3)
		if len(ex.Contributions) != 3 || math.Abs(ex.Contributions[0].Value) < math.Abs(ex.Contributions[2].Value) {
			t.Errorf("%s: Explain(top 3) = %v, want 3 by decreasing magnitude", c.name, ex.Contributions)
		}
	}
}

func TestPermutationImportance(t *testing.T) {
	a, tb, _ := treesArtifact(t, "penguins.csv", "species", 30)
	p, _ := NewPredictor(a)
	imp, err := p.PermutationImportance(context.Background(), tb.frame, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(imp) != len(a.Schema) {
		t.Fatalf("PermutationImportance gave %d columns, want %d", len(imp), len(a.Schema))
	}
	// Flipper length and bill length separate the species; year does not.
	byCol := map[string]float64{}
	for _, im := range imp {
		byCol[im.Column] = im.Permutation
	}
	if !(imp[0].Permutation > 0.05) || byCol["year"] > 0.01 {
		t.Errorf("PermutationImportance = %v, want a clear leader and year near 0", imp)
	}
	again, _ := p.PermutationImportance(context.Background(), tb.frame, 3, 7)
	if !slices.Equal(imp, again) {
		t.Errorf("PermutationImportance with the same seed differs")
	}
}
