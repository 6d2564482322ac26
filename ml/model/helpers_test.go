package model

import (
	"context"
	"encoding/csv"
	"os"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/forest"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/prep"
)

// table is a dataset read both as a frame and as raw records.
type table struct {
	frame  *frame.Frame
	header []string
	recs   [][]string
}

// rowMap returns record i as a map from column name to cell, the input of
// PredictMap and Explain.
func (tb *table) rowMap(i int) map[string]any {
	row := make(map[string]any, len(tb.header))
	for j, h := range tb.header {
		row[h] = tb.recs[i][j]
	}
	return row
}

// predictAll builds the predictor of a, binds it to tb's header and
// predicts every record of tb in one batch.
func predictAll(t testing.TB, a *Artifact, tb *table) (*Predictor, *Record, *Batch) {
	t.Helper()
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatalf("NewPredictor = %v", err)
	}
	rec, err := p.Bind(tb.header)
	if err != nil {
		t.Fatalf("Bind = %v", err)
	}
	b, err := rec.PredictBatch(context.Background(), tb.recs)
	if err != nil {
		t.Fatalf("PredictBatch = %v", err)
	}
	return p, rec, b
}

func readTable(t testing.TB, name string) *table {
	t.Helper()
	path := datasets.MustPath(t, name)
	f, err := frame.ReadFile(context.Background(), path, frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	all, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return &table{frame: f, header: all[0], recs: all[1:]}
}

// fitPipeline fits a preprocessing pipeline of the given mode.
func fitPipeline(t testing.TB, tb *table, target string, mode prep.Mode) *prep.Fitted {
	t.Helper()
	fit, err := prep.FitTransform(context.Background(), tb.frame, prep.Options{Target: target, Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

// trainTrees trains a GBDT with iters iterations (LightGBM defaults
// otherwise) and returns its member.
func trainTrees(t testing.TB, fit *prep.Fitted, iters int) Member {
	t.Helper()
	task := string(fit.Pipeline.Label.Task)
	p := gbdt.DefaultParams(task)
	p.NumIterations = iters
	if task == Multiclass {
		p.NumClass = fit.Pipeline.Label.NumClasses()
	}
	m, err := gbdt.Train(context.Background(), p, dataset(fit), gbdt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Member{Learner: GBDT, Weight: 1, Trees: m, Params: p.Map()}
}

// trainForest grows a random forest of n trees.
func trainForest(t testing.TB, fit *prep.Fitted, n int) Member {
	t.Helper()
	task := string(fit.Pipeline.Label.Task)
	p := forest.DefaultParams(task)
	p.NumIterations = n
	if task == Multiclass {
		p.NumClass = fit.Pipeline.Label.NumClasses()
	}
	m, err := forest.Train(context.Background(), p, dataset(fit))
	if err != nil {
		t.Fatal(err)
	}
	return Member{Learner: Forest, Weight: 1, Trees: m}
}

func dataset(fit *prep.Fitted) *gbdt.Dataset {
	d := &gbdt.Dataset{Label: fit.Y}
	for j, c := range fit.X.Cols {
		d.Features = append(d.Features, gbdt.Feature{Name: fit.X.Names[j], Values: c, Categorical: fit.X.Categorical[j]})
	}
	return d
}

// trainLinear fits a lightly regularized linear model.
func trainLinear(t testing.TB, fit *prep.Fitted) Member {
	t.Helper()
	params := linear.Params{Task: linear.Task(fit.Pipeline.Label.Task), L2: 1e-2}
	if params.Task == linear.Multiclass {
		params.NumClasses = fit.Pipeline.Label.NumClasses()
	}
	m, err := linear.Fit(context.Background(), fit.X.Cols, fit.Y, nil, params)
	if err != nil {
		t.Fatal(err)
	}
	return Member{Learner: Linear, Weight: 1, Linear: m}
}

// treesArtifact trains a one-member GBDT artifact on a dataset.
func treesArtifact(t testing.TB, name, target string, iters int) (*Artifact, *table, *prep.Fitted) {
	t.Helper()
	tb := readTable(t, name)
	fit := fitPipeline(t, tb, target, prep.Trees)
	a, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{trainTrees(t, fit, iters)}, Training{Rows: fit.X.Rows, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return a, tb, fit
}

// forestArtifact grows a one-member forest artifact on a dataset.
func forestArtifact(t testing.TB, name, target string, n int) (*Artifact, *table) {
	t.Helper()
	tb := readTable(t, name)
	fit := fitPipeline(t, tb, target, prep.Trees)
	a, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{trainForest(t, fit, n)}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	return a, tb
}
