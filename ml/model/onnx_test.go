package model

import (
	"bytes"
	"context"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/image"
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
		// Temperature scalings of multiclass models: T above 1 softens, below
		// 1 sharpens; a single model then goes through the blend's path.
		{"gbdt-temperature-2.5/iris.csv", cases[1].a, cases[1].tb, 0, &Calibration{Temperature: 2.5}},
		{"linear-temperature-1.8/penguins.csv", cases[7].a, cases[7].tb, 0, &Calibration{Temperature: 1.8}},
		{"blend-temperature-0.6/penguins.csv", cases[13].a, cases[13].tb, 0, &Calibration{Temperature: 0.6}},
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
	preds := make([]Prediction, len(rows))
	for i, row := range rows {
		if err := p.PredictMap(row, &preds[i]); err != nil {
			t.Fatalf("%s row %d: PredictMap = %v", name, i, err)
		}
	}
	compareOutputs(t, name, a, preds, r, func(i int) any { return rows[i] })
}

// compareOutputs checks onnxruntime's outputs r against the Go predictions
// of the same rows (described in messages by row) and logs the largest
// difference of a probability or value.
func compareOutputs(t *testing.T, name string, a *Artifact, preds []Prediction, r ortcheck.Result, row func(i int) any) {
	t.Helper()
	n := len(preds)
	k := len(a.Classes)
	bad := 0
	worst := 0.0
	for i := range preds {
		d := &preds[i]
		if k == 0 {
			v := r.Outputs["value"]
			if len(v.Floats) != n {
				t.Fatalf("%s: value has %d entries, want %d", name, len(v.Floats), n)
			}
			diff := math.Abs(float64(v.Floats[i])-d.Value) / max(1, math.Abs(d.Value))
			worst = max(worst, diff)
			if diff > 1e-5 && bad < 5 {
				bad++
				t.Errorf("%s row %d: onnx value %v, predictor %v (%v)", name, i, v.Floats[i], d.Value, row(i))
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
				t.Errorf("%s row %d class %s: onnx probability %v, predictor %v (%v)", name, i, a.Classes[c], pr.Floats[i*k+c], d.Probabilities[c], row(i))
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

// synthImages returns perClass PNG pictures of w×h for each class: a noisy
// dark background with a bright block whose place and colour (or gray
// level) tell the class apart.
func synthImages(rng *rand.Rand, classes []string, perClass, w, h int, gray bool) []image.Example {
	var out []image.Example
	for k, label := range classes {
		for i := range perClass {
			img := goimage.NewRGBA(goimage.Rect(0, 0, w, h))
			for y := range h {
				for x := range w {
					v := uint8(rng.IntN(80))
					c := color.RGBA{R: v, G: v, B: v, A: 255}
					if x*len(classes)/w == k && y >= h/4 && y < 3*h/4 {
						hi := uint8(150 + rng.IntN(100))
						switch {
						case gray:
							c.R, c.G, c.B = hi, hi, hi
						case k%3 == 0:
							c.R = hi
						case k%3 == 1:
							c.G = hi
						default:
							c.B = hi
						}
					}
					img.Set(x, y, c)
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				panic(err)
			}
			out = append(out, image.Example{Name: fmt.Sprintf("%s/%d.png", label, i), Label: label, Data: buf.Bytes()})
		}
	}
	return out
}

// noiseImages returns n PNG pictures of uniform noise of w×h, a size other
// than the training one so that the check covers scaling too.
func noiseImages(rng *rand.Rand, n, w, h int) []image.Example {
	out := make([]image.Example, n)
	for i := range out {
		img := goimage.NewNRGBA(goimage.Rect(0, 0, w, h))
		for j := range img.Pix {
			img.Pix[j] = uint8(rng.IntN(256))
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			panic(err)
		}
		out[i] = image.Example{Name: fmt.Sprintf("noise/%d.png", i), Data: buf.Bytes()}
	}
	return out
}

// netImageArtifact trains a network of arch on the examples for a few
// epochs and wraps it in an artifact.
func netImageArtifact(t *testing.T, ex []image.Example, classes []string, blocks []int, hidden int) *Artifact {
	t.Helper()
	x, shape, err := image.Tensors(ex, image.Shape{})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]int, len(ex))
	for i, e := range ex {
		y[i] = slices.Index(classes, e.Label)
	}
	n, err := image.NewNet(image.Arch{Channels: shape.Channels, Height: shape.Height, Width: shape.Width, Blocks: blocks, Hidden: hidden, Classes: len(classes)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Train(context.Background(), x, y, image.TrainParams{Epochs: 4, LR: 3e-3, Seed: 1, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	a, err := NewImage(&image.Classifier{Classes: classes, Shape: shape, Learner: "cnn", Net: n}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// pixelImageArtifact fits the pixel baseline on the examples.
func pixelImageArtifact(t *testing.T, ex []image.Example) *Artifact {
	t.Helper()
	c, err := image.FitClassifier(context.Background(), ex, image.ClassifierParams{SkipNet: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewImage(c, Training{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// parityImageCase is an image artifact and the pictures to check it on.
type parityImageCase struct {
	name string
	a    *Artifact
	ex   []image.Example
}

// TestImageONNXParityWithOnnxruntime exports image classifiers (networks
// with and without convolution blocks or a hidden layer, on odd sizes that
// pooling crops; pixel baselines whose downscale is uneven; two-class
// models with a threshold, a Platt scaling or both) and checks that onnxruntime,
// given the tensors image.Tensors makes of pictures, answers as
// PredictImage does on the same pictures: the training pictures and noise
// of another size.
func TestImageONNXParityWithOnnxruntime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	three := []string{"bird", "cat", "dog"}
	two := []string{"no", "yes"}
	rgb := synthImages(rng, three, 12, 11, 13, false)
	gray := synthImages(rng, two, 12, 12, 12, true)
	cases := []parityImageCase{
		{name: "cnn-rgb-13x11", a: netImageArtifact(t, rgb, three, []int{4, 6}, 8), ex: rgb},
		{name: "cnn-gray-binary-no-hidden", a: netImageArtifact(t, gray, two, []int{3}, 0), ex: gray},
		{name: "dense-only-rgb", a: netImageArtifact(t, rgb, three, nil, 6), ex: rgb},
		{name: "pixels-rgb-13x11", a: pixelImageArtifact(t, rgb), ex: rgb},
		{name: "pixels-gray-binary", a: pixelImageArtifact(t, gray), ex: gray},
	}
	for _, c := range []struct {
		name string
		base parityImageCase
		thr  float64
		cal  *Calibration
	}{
		{"cnn-binary-calibrated-threshold-0.3", cases[1], 0.3, &Calibration{A: 1.5, B: -0.2}},
		{"pixels-binary-threshold-0.6", cases[4], 0.6, nil},
		{"pixels-binary-softening-platt", cases[4], 0, &Calibration{A: 0.4, B: 0.3}},
		{"cnn-binary-softening-platt", cases[1], 0, &Calibration{A: 0.6, B: -0.5}},
		{"cnn-rgb-temperature-3", cases[0], 0, &Calibration{Temperature: 3}},
		{"pixels-rgb-temperature-0.5", cases[3], 0, &Calibration{Temperature: 0.5}},
	} {
		b := *c.base.a
		b.Threshold, b.Calibration = c.thr, c.cal
		cases = append(cases, parityImageCase{name: c.name, a: &b, ex: c.base.ex})
	}
	noise := noiseImages(rng, 6, 17, 9)
	var runs []ortcheck.Case
	for i := range cases {
		c := &cases[i]
		c.ex = slices.Concat(c.ex, noise)
		model, err := c.a.ONNX(ONNXOptions{})
		if err != nil {
			t.Fatalf("%s: ONNX() = %v", c.name, err)
		}
		s := c.a.Image.Shape
		x, _, err := image.Tensors(c.ex, s)
		if err != nil {
			t.Fatal(err)
		}
		in := ortcheck.Input{Name: onnx.ImageInput, Shape: []int{len(x), s.Channels, s.Height, s.Width}}
		for _, v := range x {
			in.Floats = append(in.Floats, v...)
		}
		runs = append(runs, ortcheck.Case{Model: model, Inputs: []ortcheck.Input{in}})
	}
	res := ortcheck.Run(t, runs)
	for i, c := range cases {
		if res[i].Err != "" {
			t.Errorf("%s: onnxruntime: %s", c.name, res[i].Err)
			continue
		}
		preds := make([]Prediction, len(c.ex))
		for j, e := range c.ex {
			if err := c.a.PredictImage(e.Data, &preds[j]); err != nil {
				t.Fatalf("%s %s: PredictImage = %v", c.name, e.Name, err)
			}
		}
		compareOutputs(t, c.name, c.a, preds, res[i], func(j int) any { return c.ex[j].Name })
	}
}
