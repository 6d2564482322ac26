package model

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestThresholdLabelsEveryPath sets a decision threshold on a binary model
// and checks that single-row (record and map), batch and frame predictions
// label by P(Classes[1]) >= Threshold with unchanged probabilities, and that
// some rows change label against the default rule.
func TestThresholdLabelsEveryPath(t *testing.T) {
	a, tb, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 30)
	_, _, baseBatch := predictAll(t, a, tb)
	for _, thr := range []float64{0.05, 0.5, 0.95} {
		b := *a
		b.Threshold = thr
		p, rec, batch := predictAll(t, &b, tb)
		frame, err := p.PredictFrame(context.Background(), tb.frame)
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		var d, dm Prediction
		for i, r := range tb.recs {
			p1 := baseBatch.Probabilities[2*i+1]
			want := 0
			if p1 >= thr {
				want = 1
			}
			if want != baseBatch.Class[i] {
				changed++
			}
			if err := rec.Predict(r, &d); err != nil {
				t.Fatal(err)
			}
			row := tb.rowMap(i)
			if err := p.PredictMap(row, &dm); err != nil {
				t.Fatal(err)
			}
			got := []int{d.Class, dm.Class, batch.Class[i], frame.Class[i]}
			for k, g := range got {
				if g != want {
					t.Fatalf("threshold %v row %d path %d: class %d, want %d (p=%v)", thr, i, k, g, want, p1)
				}
			}
			if d.Label != a.Classes[want] || p.Label(batch, i) != a.Classes[want] {
				t.Fatalf("threshold %v row %d: labels %q, %q, want %q", thr, i, d.Label, p.Label(batch, i), a.Classes[want])
			}
			if batch.Probabilities[2*i+1] != p1 || math.Abs(d.Probabilities[1]-p1) > 1e-12 {
				t.Fatalf("threshold %v row %d: probability %v / %v, want %v", thr, i, batch.Probabilities[2*i+1], d.Probabilities[1], p1)
			}
		}
		if thr != 0.5 && changed == 0 {
			t.Errorf("threshold %v changed no label against the default rule; the test data does not exercise it", thr)
		}
		row := tb.rowMap(0)
		ex, err := p.Explain(row, 3)
		if err != nil {
			t.Fatalf("Explain = %v", err)
		}
		if ex.Output != a.Classes[1] {
			t.Errorf("Explain output = %q, want the positive class %q", ex.Output, a.Classes[1])
		}
	}
}

func TestClassOf(t *testing.T) {
	for _, c := range []struct {
		thr   float64
		probs []float64
		want  int
	}{
		{0, []float64{0.5, 0.5}, 0},
		{0, []float64{0.4, 0.6}, 1},
		{0.5, []float64{0.5, 0.5}, 1},
		{0.7, []float64{0.35, 0.65}, 0},
		{0.7, []float64{0.3, 0.7}, 1},
		{0.2, []float64{0.79, 0.21}, 1},
		{0, []float64{0.2, 0.5, 0.3}, 1},
	} {
		a := &Artifact{Threshold: c.thr}
		if got := a.ClassOf(c.probs); got != c.want {
			t.Errorf("ClassOf(%v) with threshold %v = %d, want %d", c.probs, c.thr, got, c.want)
		}
	}
}

func TestThresholdValidation(t *testing.T) {
	bin, _, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 2)
	multi, _, _ := treesArtifact(t, "iris.csv", "species", 2)
	for _, c := range []struct {
		a    *Artifact
		thr  float64
		want string
	}{
		{bin, -0.1, "outside"},
		{bin, 1.5, "outside"},
		{bin, math.NaN(), "outside"},
		{multi, 0.3, "only binary"},
	} {
		b := *c.a
		b.Threshold = c.thr
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s, threshold %v) = %v, want an error with %q", b.Task, c.thr, err, c.want)
		}
	}
	b := *bin
	b.Threshold = 1
	if err := b.Validate(); err != nil {
		t.Errorf("Validate(threshold 1) = %v, want nil", err)
	}
}

// TestThresholdSaveLoad checks that a threshold survives Save/Load, raises
// min_reader_version to 2 (a version 1 reader would ignore it), and that a
// model without one stays readable by version 1.
func TestThresholdSaveLoad(t *testing.T) {
	a, _, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 3)
	for _, c := range []struct {
		thr       float64
		minReader int
	}{{0, 1}, {0.3, 2}} {
		b := *a
		b.Threshold, b.MinReaderVersion = c.thr, 0
		data := plainJSON(t, &b)
		var head struct {
			Version   int      `json:"version"`
			MinReader int      `json:"min_reader_version"`
			Threshold *float64 `json:"threshold"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			t.Fatal(err)
		}
		if head.Version != Version || head.MinReader != c.minReader {
			t.Errorf("threshold %v: version %d, min_reader_version %d, want %d, %d", c.thr, head.Version, head.MinReader, Version, c.minReader)
		}
		if (head.Threshold != nil) != (c.thr != 0) {
			t.Errorf("threshold %v: written as %v", c.thr, head.Threshold)
		}
		var buf bytes.Buffer
		if err := b.Save(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got.Threshold != c.thr {
			t.Errorf("Load(Save(threshold %v)).Threshold = %v", c.thr, got.Threshold)
		}
	}
}
