package model

import (
	"context"
	"math"
	"testing"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/onnx"
	"github.com/trainyard/trainyard/ml/onnx/ortcheck"
	"github.com/trainyard/trainyard/ml/prep"
)

// onnxColumns returns the graph inputs the export makes for a.
func onnxColumns(t *testing.T, a *Artifact) []onnx.Column {
	t.Helper()
	cols, err := a.ONNXInputs()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// thresholds returns the split thresholds of each numeric input column of
// the trees members.
func thresholds(a *Artifact) map[string][]float64 {
	out := map[string][]float64{}
	for _, m := range a.Members {
		if m.Trees == nil {
			continue
		}
		names := a.Pipelines[m.Pipeline].Names
		for _, tr := range m.Trees.Trees {
			for _, n := range tr.Nodes {
				if !n.Leaf && !n.Categorical {
					out[names[n.Feature]] = append(out[names[n.Feature]], n.Threshold)
				}
			}
		}
	}
	return out
}

// parityRows returns the test rows as typed cells: the dataset's records,
// then edge rows (NaN, ±Inf, thresholds and their float32 neighbours,
// unseen and missing categories) built on the first records.
func parityRows(tb *table, cols []onnx.Column, th map[string][]float64) []map[string]any {
	pos := map[string]int{}
	for i, h := range tb.header {
		pos[h] = i
	}
	markers := map[string]bool{}
	for _, m := range frame.DefaultMissingMarkers() {
		markers[m] = true
	}
	parse := func(rec []string) map[string]any {
		row := map[string]any{}
		for _, c := range cols {
			cell := rec[pos[c.Name]]
			if c.String {
				row[c.Name] = cell
				continue
			}
			v, ok := frame.ParseNumber(cell)
			if !ok || markers[cell] {
				v = math.NaN()
			}
			row[c.Name] = float64(float32(v))
		}
		return row
	}
	var rows []map[string]any
	for _, r := range tb.recs {
		rows = append(rows, parse(r))
	}
	edge := 0
	for ci, c := range cols {
		var vals []any
		if c.String {
			vals = []any{"", "NA", "never-seen-category", " ", " NA "}
		} else {
			vals = []any{math.NaN(), math.Inf(1), math.Inf(-1), 0.0, -1e30, 1e30}
			for _, t := range th[c.Name] {
				f := float32(t)
				vals = append(vals, float64(f), float64(math.Nextafter32(f, float32(math.Inf(1)))), float64(math.Nextafter32(f, float32(math.Inf(-1)))))
			}
		}
		for _, v := range vals {
			row := parse(tb.recs[(edge*7+ci)%len(tb.recs)])
			row[c.Name] = v
			rows = append(rows, row)
			edge++
		}
	}
	return rows
}

type parityCase struct {
	name string
	a    *Artifact
	tb   *table
}

func linearArtifact(t *testing.T, file, target string, targetEncodeLevels int) (*Artifact, *table) {
	tb := readTable(t, file)
	fit, err := prep.FitTransform(context.Background(), tb.frame, prep.Options{Target: target, Mode: prep.Linear, TargetEncodeLevels: targetEncodeLevels})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{trainLinear(t, fit)}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	return a, tb
}

func blendArtifact(t *testing.T, file, target string) (*Artifact, *table) {
	tb := readTable(t, file)
	trees := fitPipeline(t, tb, target, prep.Trees)
	lin := fitPipeline(t, tb, target, prep.Linear)
	mt, ml := trainTrees(t, trees, 30), trainLinear(t, lin)
	ml.Pipeline, mt.Weight, ml.Weight = 1, 0.6, 0.4
	a, err := New([]*prep.Pipeline{trees.Pipeline, lin.Pipeline}, []Member{mt, ml}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	return a, tb
}

// TestONNXParityWithOnnxruntime exports trained artifacts and checks that
// onnxruntime's outputs match the Predictor's on every row of the dataset
// plus edge rows.
func TestONNXParityWithOnnxruntime(t *testing.T) {
	var cases []parityCase
	for _, c := range []struct{ file, target string }{
		{"breast_cancer.csv", "diagnosis"},
		{"iris.csv", "species"},
		{"diabetes.csv", "disease_progression"},
		{"penguins.csv", "species"},
		{"telco_churn.csv", "churn"},
	} {
		a, tb, _ := treesArtifact(t, c.file, c.target, 100)
		cases = append(cases, parityCase{"gbdt/" + c.file, a, tb})
	}
	for _, c := range []struct{ file, target string }{
		{"breast_cancer.csv", "diagnosis"},
		{"diabetes.csv", "disease_progression"},
		{"penguins.csv", "species"},
		{"telco_churn.csv", "churn"},
	} {
		a, tb := linearArtifact(t, c.file, c.target, 0)
		cases = append(cases, parityCase{"linear/" + c.file, a, tb})
	}
	// Target encoding of island (3 levels) and sex (2 levels + missing).
	a, tb := linearArtifact(t, "penguins.csv", "species", 1)
	cases = append(cases, parityCase{"linear-target-encoded/penguins.csv", a, tb})
	for _, c := range []struct{ file, target string }{
		{"breast_cancer.csv", "diagnosis"},
		{"penguins.csv", "species"},
		{"diabetes.csv", "disease_progression"},
	} {
		a, tb := forestArtifact(t, c.file, c.target, 20)
		cases = append(cases, parityCase{"forest/" + c.file, a, tb})
	}
	a, tb = blendArtifact(t, "penguins.csv", "species")
	cases = append(cases, parityCase{"blend/penguins.csv", a, tb})
	// Decision thresholds on binary models: a single GBDT (the tree
	// ensemble's own label is replaced), a single linear model (its
	// LinearClassifier label is replaced) and a forest.
	// Platt calibrations, with and without a threshold on the calibrated
	// probability: a slope below 1 spreads, above 1 squeezes.
	for _, c := range []struct {
		name string
		a    *Artifact
		tb   *table
		thr  float64
		cal  *Calibration
	}{
		{"gbdt-threshold-0.2/telco_churn.csv", cases[4].a, cases[4].tb, 0.2, nil},
		{"linear-threshold-0.7/breast_cancer.csv", cases[5].a, cases[5].tb, 0.7, nil},
		{"forest-threshold-0.35/breast_cancer.csv", cases[10].a, cases[10].tb, 0.35, nil},
		{"gbdt-calibrated/telco_churn.csv", cases[4].a, cases[4].tb, 0, &Calibration{A: 0.6, B: -0.4}},
		{"linear-calibrated-threshold-0.3/breast_cancer.csv", cases[5].a, cases[5].tb, 0.3, &Calibration{A: 1.7, B: 0.5}},
		{"forest-calibrated/breast_cancer.csv", cases[10].a, cases[10].tb, 0, &Calibration{A: 2.5, B: 1}},
	} {
		b := *c.a
		b.Threshold, b.Calibration = c.thr, c.cal
		cases = append(cases, parityCase{c.name, &b, c.tb})
	}

	var runs []ortcheck.Case
	var allRows [][]map[string]any
	for _, c := range cases {
		model, err := c.a.ONNX(ONNXOptions{})
		if err != nil {
			t.Fatalf("%s: ONNX() = %v", c.name, err)
		}
		cols := onnxColumns(t, c.a)
		rows := parityRows(c.tb, cols, thresholds(c.a))
		run := ortcheck.Case{Model: model}
		for _, col := range cols {
			in := ortcheck.Input{Name: col.Name}
			for _, r := range rows {
				if col.String {
					in.Strings = append(in.Strings, r[col.Name].(string))
				} else {
					in.Floats = append(in.Floats, float32(r[col.Name].(float64)))
				}
			}
			run.Inputs = append(run.Inputs, in)
		}
		runs = append(runs, run)
		allRows = append(allRows, rows)
	}
	res := ortcheck.Run(t, runs)
	for ci, c := range cases {
		if res[ci].Err != "" {
			t.Errorf("%s: onnxruntime: %s", c.name, res[ci].Err)
			continue
		}
		compareWithPredictor(t, c.name, c.a, allRows[ci], res[ci])
	}
}

func compareWithPredictor(t *testing.T, name string, a *Artifact, rows []map[string]any, r ortcheck.Result) {
	t.Helper()
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rows)
	k := len(a.Classes)
	bad := 0
	worst := 0.0
	var d Prediction
	for i, row := range rows {
		if err := p.PredictMap(row, &d); err != nil {
			t.Fatalf("%s row %d: PredictMap = %v", name, i, err)
		}
		if k == 0 {
			v := r.Outputs["value"]
			if len(v.Floats) != n {
				t.Fatalf("%s: value has %d entries, want %d", name, len(v.Floats), n)
			}
			diff := math.Abs(float64(v.Floats[i])-d.Value) / max(1, math.Abs(d.Value))
			worst = max(worst, diff)
			if diff > 1e-5 && bad < 5 {
				bad++
				t.Errorf("%s row %d: onnx value %v, predictor %v (%v)", name, i, v.Floats[i], d.Value, row)
			}
			continue
		}
		pr, lb := r.Outputs["probabilities"], r.Outputs["label"]
		if len(pr.Floats) != n*k || len(lb.Strings) != n || len(pr.Shape) != 2 || pr.Shape[1] != k {
			t.Fatalf("%s: outputs of shape %v / %d labels, want [%d %d]", name, pr.Shape, len(lb.Strings), n, k)
		}
		// The label must agree unless the deciding probabilities are within
		// float32 noise of each other (or of the threshold).
		margin := math.Inf(-1)
		for c := range k {
			diff := math.Abs(float64(pr.Floats[i*k+c]) - d.Probabilities[c])
			worst = max(worst, diff)
			if diff > 1e-5 && bad < 5 {
				bad++
				t.Errorf("%s row %d class %s: onnx probability %v, predictor %v (%v)", name, i, a.Classes[c], pr.Floats[i*k+c], d.Probabilities[c], row)
			}
			if c != d.Class {
				margin = max(margin, d.Probabilities[c])
			}
		}
		margin = d.Probabilities[d.Class] - margin
		if a.Threshold != 0 {
			margin = math.Abs(d.Probabilities[1] - a.Threshold)
		}
		if margin > 1e-5 && lb.Strings[i] != d.Label && bad < 5 {
			bad++
			t.Errorf("%s row %d: onnx label %q, predictor %q (p=%v)", name, i, lb.Strings[i], d.Label, d.Probabilities)
		}
	}
	t.Logf("%s: %d rows, largest difference %.3g", name, n, worst)
}
