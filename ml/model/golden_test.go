package model

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/v1 (only when the format version changes)")

// golden is the stored expectation for testdata/v1/penguins.model.
type golden struct {
	Header        []string    `json:"header"`
	Rows          [][]string  `json:"rows"`
	Probabilities [][]float64 `json:"probabilities"`
	Labels        []string    `json:"labels"`
}

// TestLoadsVersion1Artifact loads a model written by format version 1 and
// checks its predictions: every later version must keep reading it.
func TestLoadsVersion1Artifact(t *testing.T) {
	dir := filepath.Join("testdata", "v1")
	model := filepath.Join(dir, "penguins.model")
	want := filepath.Join(dir, "penguins.json")
	if *updateGolden {
		a, tb, _ := treesArtifact(t, "penguins.csv", "species", 10)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := a.SaveFile(model); err != nil {
			t.Fatal(err)
		}
		p, _ := NewPredictor(a)
		rec, _ := p.Bind(tb.header)
		g := golden{Header: tb.header}
		for i := 0; i < len(tb.recs); i += 7 {
			var d Prediction
			if err := rec.Predict(tb.recs[i], &d); err != nil {
				t.Fatal(err)
			}
			g.Rows = append(g.Rows, tb.recs[i])
			g.Probabilities = append(g.Probabilities, d.Probabilities)
			g.Labels = append(g.Labels, d.Label)
		}
		b, _ := json.MarshalIndent(g, "", " ")
		if err := os.WriteFile(want, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := LoadFile(model)
	if err != nil {
		t.Fatalf("LoadFile(version 1 artifact) = %v", err)
	}
	raw, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Bind(g.Header)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range g.Rows {
		var d Prediction
		if err := rec.Predict(r, &d); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if d.Label != g.Labels[i] {
			t.Errorf("row %d: label %q, want %q", i, d.Label, g.Labels[i])
		}
		for c, w := range g.Probabilities[i] {
			if math.Abs(d.Probabilities[c]-w) > 1e-12 {
				t.Errorf("row %d class %d: probability %v, want %v", i, c, d.Probabilities[c], w)
			}
		}
	}
}
