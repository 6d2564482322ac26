package model

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "write the golden artifact of the current format version (testdata/v<Version>); older versions' files are never rewritten")

// golden is the stored expectation for a golden artifact.
type golden struct {
	Header        []string    `json:"header"`
	Rows          [][]string  `json:"rows"`
	Probabilities [][]float64 `json:"probabilities"`
	Labels        []string    `json:"labels"`
}

// goldenCases are the stored artifacts of each format version: every later
// version must keep reading them and predicting the same.
var goldenCases = []struct {
	version     int
	file        string
	target      string
	threshold   float64
	calibration *Calibration
}{
	{1, "penguins.csv", "species", 0, nil},
	// Version 2 added the decision threshold of binary classifiers.
	{2, "breast_cancer.csv", "diagnosis", 0.3, nil},
	// Version 3 added their Platt calibration.
	{3, "breast_cancer.csv", "diagnosis", 0.4, &Calibration{A: 0.7, B: -0.3}},
}

// TestLoadsEveryFormatVersion loads a model written by each format version
// and checks its predictions (labels and probabilities).
func TestLoadsEveryFormatVersion(t *testing.T) {
	for _, c := range goldenCases {
		dir := filepath.Join("testdata", fmt.Sprintf("v%d", c.version))
		stem := strings.TrimSuffix(c.file, ".csv")
		model := filepath.Join(dir, stem+".model")
		want := filepath.Join(dir, stem+".json")
		if *updateGolden && c.version == Version {
			writeGolden(t, dir, model, want, c.file, c.target, c.threshold, c.calibration)
		}
		a, err := LoadFile(model)
		if err != nil {
			t.Fatalf("LoadFile(version %d artifact) = %v", c.version, err)
		}
		if a.Threshold != c.threshold {
			t.Errorf("version %d artifact: threshold %v, want %v", c.version, a.Threshold, c.threshold)
		}
		if (a.Calibration == nil) != (c.calibration == nil) || a.Calibration != nil && *a.Calibration != *c.calibration {
			t.Errorf("version %d artifact: calibration %v, want %v", c.version, a.Calibration, c.calibration)
		}
		checkGolden(t, a, want)
	}
}

func writeGolden(t *testing.T, dir, model, want, file, target string, threshold float64, cal *Calibration) {
	a, tb, _ := treesArtifact(t, file, target, 10)
	a.Threshold, a.Calibration = threshold, cal
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

func checkGolden(t *testing.T, a *Artifact, want string) {
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
			t.Fatalf("%s row %d: %v", want, i, err)
		}
		if d.Label != g.Labels[i] {
			t.Errorf("%s row %d: label %q, want %q", want, i, d.Label, g.Labels[i])
		}
		for c, w := range g.Probabilities[i] {
			if math.Abs(d.Probabilities[c]-w) > 1e-12 {
				t.Errorf("%s row %d class %d: probability %v, want %v", want, i, c, d.Probabilities[c], w)
			}
		}
	}
}
