package model

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestCalibrationApply(t *testing.T) {
	for _, c := range []struct {
		cal  Calibration
		p    float64
		want float64
	}{
		{Calibration{A: 1, B: 0}, 0.3, 0.3},
		{Calibration{A: 2, B: 0}, 0.2, 1.0 / 17},         // odds 1/4 squared
		{Calibration{A: 1, B: math.Log(3)}, 0.5, 0.75},   // odds 1 tripled
		{Calibration{A: 0.5, B: 0}, 0.8, 2.0 / 3},        // odds 4 square-rooted
		{Calibration{A: 1, B: 0}, 0, calibrationEps},     // clamped
		{Calibration{A: 1, B: 0}, 1, 1 - calibrationEps}, // clamped
	} {
		if got := c.cal.Apply(c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v.Apply(%v) = %v, want %v", c.cal, c.p, got, c.want)
		}
	}
}

// TestCalibrationEveryPath calibrates a binary model and checks that
// single-row (record and map), batch (blocks and columns) and frame
// predictions return [1-p', p'] with p' the calibration of the blended
// probability, labeled by the threshold on p'.
func TestCalibrationEveryPath(t *testing.T) {
	a, tb, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 30)
	ctx := context.Background()
	_, _, raw := predictAll(t, a, tb)
	b := *a
	b.Calibration, b.Threshold = &Calibration{A: 0.4, B: -1.2}, 0.3
	p, rec, blocks := predictAll(t, &b, tb)
	columns, err := rec.predictColumns(ctx, tb.recs)
	if err != nil {
		t.Fatal(err)
	}
	frame, err := p.PredictFrame(ctx, tb.frame)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	var d, dm Prediction
	for i, r := range tb.recs {
		want := b.Calibration.Apply(raw.Probabilities[2*i+1])
		if math.Abs(want-raw.Probabilities[2*i+1]) > 0.01 {
			moved++
		}
		wantClass := 0
		if want >= b.Threshold {
			wantClass = 1
		}
		if err := rec.Predict(r, &d); err != nil {
			t.Fatal(err)
		}
		row := tb.rowMap(i)
		if err := p.PredictMap(row, &dm); err != nil {
			t.Fatal(err)
		}
		for k, got := range [][]float64{d.Probabilities, dm.Probabilities, blocks.Probabilities[2*i : 2*i+2], columns.Probabilities[2*i : 2*i+2], frame.Probabilities[2*i : 2*i+2]} {
			if math.Abs(got[1]-want) > 1e-12 || math.Abs(got[0]-(1-want)) > 1e-12 {
				t.Fatalf("row %d path %d: probabilities %v, want [%v %v]", i, k, got, 1-want, want)
			}
		}
		for k, got := range []int{d.Class, dm.Class, blocks.Class[i], columns.Class[i], frame.Class[i]} {
			if got != wantClass {
				t.Fatalf("row %d path %d: class %d, want %d (p'=%v)", i, k, got, wantClass, want)
			}
		}
	}
	if moved == 0 {
		t.Errorf("the calibration moved no probability by more than 0.01; the test does not exercise it")
	}
}

func TestCalibrationValidation(t *testing.T) {
	bin, _, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 2)
	multi, _, _ := treesArtifact(t, "iris.csv", "species", 2)
	for _, c := range []struct {
		a    *Artifact
		cal  Calibration
		want string
	}{
		{bin, Calibration{A: 0, B: 0}, "positive slope"},
		{bin, Calibration{A: -1, B: 0}, "positive slope"},
		{bin, Calibration{A: math.Inf(1), B: 0}, "positive slope"},
		{bin, Calibration{A: 1, B: math.NaN()}, "finite intercept"},
		{multi, Calibration{A: 1, B: 0}, "only binary"},
	} {
		b := *c.a
		b.Calibration = &c.cal
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s, calibration %+v) = %v, want an error with %q", b.Task, c.cal, err, c.want)
		}
	}
}

// TestCalibrationSaveLoad checks that a calibration survives Save/Load and
// raises min_reader_version to 3 (an older reader would return the
// uncalibrated probabilities), while models without one keep the version
// their threshold needs.
func TestCalibrationSaveLoad(t *testing.T) {
	a, _, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 3)
	for _, c := range []struct {
		thr       float64
		cal       *Calibration
		minReader int
	}{
		{0, nil, 1},
		{0.3, nil, 2},
		{0, &Calibration{A: 0.8, B: 0.25}, 3},
		{0.5, &Calibration{A: 1.3, B: -0.1}, 3},
	} {
		b := *a
		b.Threshold, b.Calibration, b.MinReaderVersion = c.thr, c.cal, 0
		data := plainJSON(t, &b)
		var head struct {
			MinReader   int              `json:"min_reader_version"`
			Calibration *json.RawMessage `json:"calibration"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			t.Fatal(err)
		}
		if head.MinReader != c.minReader || (head.Calibration != nil) != (c.cal != nil) {
			t.Errorf("calibration %v, threshold %v: min_reader_version %d, calibration written %v; want %d, %v",
				c.cal, c.thr, head.MinReader, head.Calibration != nil, c.minReader, c.cal != nil)
		}
		got, err := Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if (got.Calibration == nil) != (c.cal == nil) || got.Calibration != nil && *got.Calibration != *c.cal {
			t.Errorf("Unmarshal(calibration %v) = %v", c.cal, got.Calibration)
		}
	}
}
