package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/onnx/ortcheck"
	"github.com/trainyard/trainyard/ml/prep"
)

// datetimeTable is a synthetic binary problem on a datetime column (with
// times of day and missing values), a number and a category.
func datetimeTable(t *testing.T) *table {
	rng := rand.New(rand.NewPCG(11, 12))
	var sb strings.Builder
	sb.WriteString("when,x,color,y\n")
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 600 {
		when := base.Add(time.Duration(i*37) * time.Hour)
		x := rng.NormFloat64()
		color := []string{"red", "green", "blue"}[rng.IntN(3)]
		y := "no"
		if (when.Month() > 6) != (x > 0.3) || color == "red" && when.Hour() < 6 {
			y = "yes"
		}
		ws := when.Format("2006-01-02T15:04:05")
		if i%23 == 0 {
			ws = ""
		}
		fmt.Fprintf(&sb, "%s,%.4f,%s,%s\n", ws, x, color, y)
	}
	f, err := frame.Read(context.Background(), strings.NewReader(sb.String()), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if k := f.Col("when").Kind; k != frame.Datetime {
		t.Fatalf("column when read as %v, want datetime", k)
	}
	all, _ := readCSV(sb.String())
	return &table{frame: f, header: all[0], recs: all[1:]}
}

func TestONNXDatetimeParts(t *testing.T) {
	tb := datetimeTable(t)
	trees := fitPipeline(t, tb, "y", prep.Trees)
	lin := fitPipeline(t, tb, "y", prep.Linear)
	mt, ml := trainTrees(t, trees, 30), trainLinear(t, lin)
	ml.Pipeline, mt.Weight, ml.Weight = 1, 0.5, 0.5
	var arts []*Artifact
	for _, members := range [][]Member{{mt}, {{Learner: Linear, Weight: 1, Linear: ml.Linear}}, {mt, ml}} {
		pipes := []*prep.Pipeline{trees.Pipeline, lin.Pipeline}
		if len(members) == 1 && members[0].Linear != nil {
			pipes = pipes[1:]
		}
		a, err := New(pipes, members, Training{})
		if err != nil {
			t.Fatal(err)
		}
		arts = append(arts, a)
	}
	// The graph inputs: the parts of "when" as floats, x, color.
	enc, err := trees.Pipeline.NewRowEncoder(tb.header)
	if err != nil {
		t.Fatal(err)
	}
	var runs []ortcheck.Case
	var rows []map[string]any
	for _, a := range arts {
		model, err := a.ONNX(ONNXOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cols := onnxColumns(t, a)
		run := ortcheck.Case{Model: model}
		inputs := map[string]*ortcheck.Input{}
		for _, c := range cols {
			run.Inputs = append(run.Inputs, ortcheck.Input{Name: c.Name})
		}
		for i := range run.Inputs {
			inputs[run.Inputs[i].Name] = &run.Inputs[i]
		}
		rows = rows[:0]
		for _, r := range tb.recs {
			x, _, err := enc.Encode(r, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for j, name := range trees.Pipeline.Names {
				if in, ok := inputs[name]; ok && name != "color" {
					in.Floats = append(in.Floats, float32(x[j]))
				}
			}
			inputs["color"].Strings = append(inputs["color"].Strings, r[2])
			rows = append(rows, map[string]any{"when": r[0], "x": r[1], "color": r[2]})
		}
		runs = append(runs, run)
	}
	res := ortcheck.Run(t, runs)
	for i, a := range arts {
		if res[i].Err != "" {
			t.Fatalf("model %d: onnxruntime: %s", i, res[i].Err)
		}
		if len(runs[i].Inputs) != 3+len(trees.Pipeline.Steps[0].Parts)-1 {
			t.Errorf("model %d has inputs %v, want the %d parts of when, x and color", i, names(runs[i].Inputs), len(trees.Pipeline.Steps[0].Parts))
		}
		// The Go side parses the raw cells; ONNX gets the parts as float32,
		// which the trees' float32 thresholds decide identically.
		compareLoose(t, fmt.Sprint("datetime model ", i), a, rows, res[i], 1e-5)
	}
}

func names(ins []ortcheck.Input) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.Name)
	}
	return out
}

func compareLoose(t *testing.T, name string, a *Artifact, rows []map[string]any, r ortcheck.Result, tol float64) {
	t.Helper()
	p, _ := NewPredictor(a)
	pr := r.Outputs["probabilities"]
	k := len(a.Classes)
	worst, bad := 0.0, 0
	for i, row := range rows {
		var d Prediction
		if err := p.PredictMap(row, &d); err != nil {
			t.Fatal(err)
		}
		for c := range k {
			diff := math.Abs(float64(pr.Floats[i*k+c]) - d.Probabilities[c])
			worst = max(worst, diff)
			if diff > tol {
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d probabilities differ by more than %g (largest %g)", name, bad, tol, worst)
	}
	t.Logf("%s: %d rows, largest difference %.3g", name, len(rows), worst)
}

func readCSV(s string) ([][]string, error) {
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.Split(line, ","))
	}
	return out, nil
}
