package model

import (
	"context"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/trainyard/trainyard/ml/prep"
)

var cases = []struct{ file, target string }{
	{"breast_cancer.csv", "diagnosis"},
	{"iris.csv", "species"},
	{"diabetes.csv", "disease_progression"},
	{"penguins.csv", "species"},
}

// TestPredictorMatchesTrainingMatrix checks that predicting raw records
// (string cells through the row encoder, float32 rounding) gives what the
// trees give on the training matrix, and that records, maps and frames
// agree.
func TestPredictorMatchesTrainingMatrix(t *testing.T) {
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			a, tb, fit := treesArtifact(t, c.file, c.target, 30)
			p, err := NewPredictor(a)
			if err != nil {
				t.Fatal(err)
			}
			m := a.Members[0].Trees
			want, err := m.PredictColumns(fit.X.Cols, false)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := p.Bind(tb.header)
			if err != nil {
				t.Fatal(err)
			}
			batch, err := rec.PredictBatch(context.Background(), tb.recs)
			if err != nil {
				t.Fatal(err)
			}
			fb, err := p.PredictFrame(context.Background(), tb.frame)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch.Errors) > 0 {
				t.Fatalf("PredictBatch row errors: %v", batch.Errors[0])
			}
			k := m.NumOutputs()
			var d Prediction
			for n, i := range fit.Rows {
				if err := rec.Predict(tb.recs[i], &d); err != nil {
					t.Fatalf("Predict(row %d) = %v", i, err)
				}
				row := tb.rowMap(i)
				var dm, dv Prediction
				if err := p.PredictMap(row, &dm); err != nil {
					t.Fatalf("PredictMap(row %d) = %v", i, err)
				}
				vals := make([]any, len(a.Schema))
				for j, c := range a.Schema {
					vals[j] = row[c.Name]
				}
				if err := p.PredictValues(vals, &dv); err != nil || !reflect.DeepEqual(dv, dm) {
					t.Fatalf("PredictValues(row %d) = %+v, %v; PredictMap gives %+v", i, dv, err, dm)
				}
				got := d.Probabilities
				if a.Task == Regression {
					got = []float64{d.Value}
					if d.Value != dm.Value || d.Value != batch.Values[i] || d.Value != fb.Values[i] {
						t.Fatalf("row %d: record %v, map %v, batch %v, frame %v differ", i, d.Value, dm.Value, batch.Values[i], fb.Values[i])
					}
				} else {
					w := len(a.Classes)
					for cl := range w {
						if got[cl] != dm.Probabilities[cl] || got[cl] != batch.Probabilities[i*w+cl] || got[cl] != fb.Probabilities[i*w+cl] {
							t.Fatalf("row %d: record, map, batch and frame probabilities differ", i)
						}
					}
					if d.Label != a.Classes[d.Class] || batch.Class[i] != d.Class || fb.Class[i] != d.Class {
						t.Fatalf("row %d: labels differ", i)
					}
				}
				wantRow := want[n*k : (n+1)*k]
				if a.Task == Binary {
					wantRow = []float64{1 - wantRow[0], wantRow[0]}
				}
				for j := range wantRow {
					if math.Abs(got[j]-wantRow[j]) > 1e-12 {
						t.Fatalf("row %d output %d: predictor %v, trees on the training matrix %v", i, j, got[j], wantRow[j])
					}
				}
			}
		})
	}
}

func TestPredictorBlendsMembers(t *testing.T) {
	tb := readTable(t, "penguins.csv")
	trees := fitPipeline(t, tb, "species", prep.Trees)
	lin := fitPipeline(t, tb, "species", prep.Linear)
	mt := trainTrees(t, trees, 20)
	ml := trainLinear(t, lin)
	ml.Pipeline, mt.Weight, ml.Weight = 1, 0.25, 0.75
	a, err := New([]*prep.Pipeline{trees.Pipeline, lin.Pipeline}, []Member{mt, ml}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Bind(tb.header)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := NewPredictor(&Artifact{Task: a.Task, Classes: a.Classes, Schema: a.Schema, Pipelines: a.Pipelines[:1], Members: []Member{{Learner: GBDT, Weight: 1, Trees: mt.Trees}}})
	lp, _ := NewPredictor(&Artifact{Task: a.Task, Classes: a.Classes, Schema: a.Schema, Pipelines: a.Pipelines[1:], Members: []Member{{Learner: Linear, Weight: 1, Linear: ml.Linear}}})
	rt, _ := tp.Bind(tb.header)
	rl, _ := lp.Bind(tb.header)
	var d, dt, dl Prediction
	for i, r := range tb.recs {
		if r[0] == "" {
			continue
		}
		if err := rec.Predict(r, &d); err != nil {
			t.Fatal(err)
		}
		rt.Predict(r, &dt)
		rl.Predict(r, &dl)
		for c := range d.Probabilities {
			want := 0.25*dt.Probabilities[c] + 0.75*dl.Probabilities[c]
			if math.Abs(d.Probabilities[c]-want) > 1e-12 {
				t.Fatalf("row %d class %d: blend %v, want %v", i, c, d.Probabilities[c], want)
			}
		}
	}
}

func TestPredictorConcurrentUse(t *testing.T) {
	a, tb, _ := treesArtifact(t, "iris.csv", "species", 20)
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := p.Bind(tb.header)
	want := make([][]float64, len(tb.recs))
	for i, r := range tb.recs {
		var d Prediction
		if err := rec.Predict(r, &d); err != nil {
			t.Fatal(err)
		}
		want[i] = d.Probabilities
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d Prediction
			for n := range 2000 {
				i := (n*7 + g) % len(tb.recs)
				if err := rec.Predict(tb.recs[i], &d); err != nil {
					errs <- err.Error()
					return
				}
				for c := range d.Probabilities {
					if d.Probabilities[c] != want[i][c] {
						errs <- "concurrent prediction differs"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestPredictorRowErrors(t *testing.T) {
	a, tb, _ := treesArtifact(t, "iris.csv", "species", 5)
	p, _ := NewPredictor(a)
	if _, err := p.Bind([]string{"sepal_length_cm"}); err == nil {
		t.Errorf("Bind(header without most inputs) = nil error, want missing columns")
	}
	rec, err := p.Bind(tb.header)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]string(nil), tb.recs[0]...)
	bad[0] = "not-a-number"
	b, err := rec.PredictBatch(context.Background(), [][]string{tb.recs[0], bad, tb.recs[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Errors) != 1 || b.Errors[0].Row != 1 || b.Class[1] != -1 || b.Class[0] < 0 || b.Class[2] < 0 {
		t.Errorf("PredictBatch(one bad row) errors = %v, classes = %v; want one error on row 1", b.Errors, b.Class)
	}
	var d Prediction
	if err := p.PredictMap(map[string]any{"sepal_length_cm": 5.0}, &d); err == nil {
		t.Errorf("PredictMap(missing columns) = nil error")
	}
}
