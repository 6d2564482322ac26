package model

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
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
		{bin, Calibration{A: 1, Temperature: 2}, "binary classifier takes a Platt scaling"},
		{multi, Calibration{A: 1, B: 0}, "multiclass classifier takes a temperature"},
		{multi, Calibration{Temperature: -1}, "finite positive temperature"},
		{multi, Calibration{Temperature: math.Inf(1)}, "finite positive temperature"},
		{multi, Calibration{Temperature: math.NaN()}, "finite positive temperature"},
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

// TestTemperatureSaveLoad checks that a temperature survives Save/Load and
// raises min_reader_version to 4: a version 3 reader refuses a calibrated
// multiclass model as invalid instead of saying it is too old.
func TestTemperatureSaveLoad(t *testing.T) {
	a, _, _ := treesArtifact(t, "iris.csv", "species", 3)
	b := *a
	b.Calibration, b.MinReaderVersion = &Calibration{Temperature: 1.7}, 0
	data := plainJSON(t, &b)
	var head struct {
		MinReader   int             `json:"min_reader_version"`
		Calibration json.RawMessage `json:"calibration"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		t.Fatal(err)
	}
	if head.MinReader != temperatureVersion || string(head.Calibration) != `{"temperature":1.7}` {
		t.Errorf("saved min_reader_version %d, calibration %s; want %d, {\"temperature\":1.7}", head.MinReader, head.Calibration, temperatureVersion)
	}
	got, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Calibration == nil || *got.Calibration != *b.Calibration {
		t.Errorf("Unmarshal(temperature 1.7) = %v", got.Calibration)
	}
}

// TestTemperatureEveryPath scales a multiclass model's probabilities and
// checks every prediction path against p_i^(1/T) normalized, the label kept;
// T = 1 returns the probabilities unchanged.
func TestTemperatureEveryPath(t *testing.T) {
	a, tb, _ := treesArtifact(t, "penguins.csv", "species", 30)
	ctx := context.Background()
	_, _, raw := predictAll(t, a, tb)
	k := a.NumClasses()
	for _, temp := range []float64{1, 2.5} {
		b := *a
		b.Calibration = &Calibration{Temperature: temp}
		p, rec, blocks := predictAll(t, &b, tb)
		frame, err := p.PredictFrame(ctx, tb.frame)
		if err != nil {
			t.Fatal(err)
		}
		moved := 0
		var d Prediction
		for i, r := range tb.recs {
			want := make([]float64, k)
			sum := 0.0
			for j := range want {
				want[j] = math.Pow(max(raw.Probabilities[i*k+j], calibrationEps), 1/temp)
				sum += want[j]
			}
			for j := range want {
				want[j] /= sum
				if math.Abs(want[j]-raw.Probabilities[i*k+j]) > 0.01 {
					moved++
				}
			}
			if err := rec.Predict(r, &d); err != nil {
				t.Fatal(err)
			}
			for path, got := range [][]float64{d.Probabilities, blocks.Probabilities[i*k : (i+1)*k], frame.Probabilities[i*k : (i+1)*k]} {
				for j := range want {
					if math.Abs(got[j]-want[j]) > 1e-12 {
						t.Fatalf("T=%v row %d path %d: probabilities %v, want %v", temp, i, path, got, want)
					}
				}
			}
			if d.Class != raw.Class[i] || blocks.Class[i] != raw.Class[i] || frame.Class[i] != raw.Class[i] {
				t.Fatalf("T=%v row %d: classes %d, %d, %d, want the uncalibrated %d", temp, i, d.Class, blocks.Class[i], frame.Class[i], raw.Class[i])
			}
		}
		if (moved > 0) != (temp != 1) {
			t.Errorf("T=%v moved %d probabilities by more than 0.01", temp, moved)
		}
	}
}

// softmaxLabeled draws n rows of k classes with logits z ~ N(0, spread²),
// labels sampled from softmax(z), and returns the labels with the
// probabilities softmax(z·sharpen) a miscalibrated model would give.
func softmaxLabeled(rng *rand.Rand, n, k int, spread, sharpen float64) (y, proba []float64) {
	z := make([]float64, k)
	for range n {
		for j := range z {
			z[j] = spread * rng.NormFloat64()
		}
		truth := slices.Clone(z)
		softmaxScaled(truth, 1)
		u, c := rng.Float64(), 0
		for c < k-1 && u >= truth[c] {
			u -= truth[c]
			c++
		}
		y = append(y, float64(c))
		softmaxScaled(z, sharpen)
		proba = append(proba, z...)
	}
	return y, proba
}

// TestFitTemperature fits the temperature of a model that is overconfident
// (its logits tripled) and of one that is timid (halved): T comes out near
// 3 and near 0.5, and the calibrated probabilities have a lower log loss.
func TestFitTemperature(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		sharpen float64
		lo, hi  float64
	}{
		{3, 2.5, 3.5},
		{0.5, 0.4, 0.6},
	} {
		y, proba := softmaxLabeled(rng, 4000, 5, 1.5, c.sharpen)
		cal := FitTemperature(proba, 5, y)
		if cal.Temperature < c.lo || cal.Temperature > c.hi {
			t.Errorf("logits ×%v: FitTemperature = %v, want within [%v, %v]", c.sharpen, cal.Temperature, c.lo, c.hi)
		}
		before, after := 0.0, 0.0
		for i, label := range y {
			row := slices.Clone(proba[i*5 : (i+1)*5])
			before -= math.Log(row[int(label)])
			cal.Calibrate(row)
			after -= math.Log(row[int(label)])
		}
		if after >= before {
			t.Errorf("logits ×%v: log loss %.4f calibrated by T=%v, want below the uncalibrated %.4f", c.sharpen, after/4000, cal.Temperature, before/4000)
		}
	}
	// Every row right: the lower the temperature the lower the log loss,
	// down to the bound.
	right := FitTemperature([]float64{0.6, 0.3, 0.1, 0.2, 0.5, 0.3}, 3, []float64{0, 1})
	if math.Abs(right.Temperature-minTemperature) > 1e-9 {
		t.Errorf("FitTemperature(every row right) = %v, want the bound %v", right.Temperature, minTemperature)
	}
}

// TestCalibrationSoftens: a temperature above 1 and a Platt slope below 1 soften, whatever
// the intercept; T ≤ 1 and A ≥ 1 do not.
func TestCalibrationSoftens(t *testing.T) {
	for _, c := range []struct {
		cal  Calibration
		want bool
	}{
		{Calibration{Temperature: 1.5}, true},
		{Calibration{Temperature: 1}, false},
		{Calibration{Temperature: 0.5}, false},
		{Calibration{A: 0.5, B: 2}, true},
		{Calibration{A: 0.99, B: -1}, true},
		{Calibration{A: 1, B: 0.5}, false},
		{Calibration{A: 3}, false},
	} {
		if got := c.cal.Softens(); got != c.want {
			t.Errorf("%+v.Softens() = %v, want %v", c.cal, got, c.want)
		}
	}
}
