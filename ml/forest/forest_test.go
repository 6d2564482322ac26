package forest

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/gbdt"
)

// load reads a shared dataset with numeric features; the target becomes
// class codes (sorted labels) unless regression.
func load(t *testing.T, name, target string, regression bool) (*gbdt.Dataset, *gbdt.Dataset) {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, rows := recs[0], recs[1:]
	classes := map[string]int{}
	ti := -1
	for j, h := range head {
		if h == target {
			ti = j
		}
	}
	if !regression {
		var ls []string
		seen := map[string]bool{}
		for _, r := range rows {
			if !seen[r[ti]] {
				seen[r[ti]] = true
				ls = append(ls, r[ti])
			}
		}
		sort.Strings(ls)
		for i, l := range ls {
			classes[l] = i
		}
	}
	tr, te := &gbdt.Dataset{}, &gbdt.Dataset{}
	for j, h := range head {
		if j == ti {
			continue
		}
		var a, b []float64
		for i, r := range rows {
			v, err := strconv.ParseFloat(r[j], 64)
			if err != nil {
				v = math.NaN()
			}
			if i%4 == 3 {
				b = append(b, v)
			} else {
				a = append(a, v)
			}
		}
		tr.Features = append(tr.Features, gbdt.Feature{Name: h, Values: a})
		te.Features = append(te.Features, gbdt.Feature{Name: h, Values: b})
	}
	for i, r := range rows {
		y := float64(classes[r[ti]])
		if regression {
			y, _ = strconv.ParseFloat(r[ti], 64)
		}
		if i%4 == 3 {
			te.Label = append(te.Label, y)
		} else {
			tr.Label = append(tr.Label, y)
		}
	}
	return tr, te
}

func TestForestBinary(t *testing.T) {
	tr, te := load(t, "breast_cancer.csv", "diagnosis", false)
	for _, extra := range []string{"false", "true"} {
		p, err := ParseParams("binary", "num_iterations=50,extra_trees="+extra)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Train(context.Background(), p, tr)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := m.PredictDataset(te, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range pred {
			if v < -1e-9 || v > 1+1e-9 {
				t.Fatalf("probability %v outside [0, 1]", v)
			}
		}
		if got := gbdt.Evaluate("auc", pred, 1, te.Label, nil, 1); got < 0.97 {
			t.Errorf("extra_trees=%s: breast_cancer AUC = %.4f, want >= 0.97", extra, got)
		}
	}
}

func TestForestMulticlass(t *testing.T) {
	tr, te := load(t, "iris.csv", "species", false)
	p, err := ParseParams("multiclass", "num_class=3,num_iterations=30")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(context.Background(), p, tr)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := m.PredictDataset(te, false)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, y := range te.Label {
		row := pred[3*i : 3*i+3]
		best, sum := 0, 0.0
		for c, v := range row {
			sum += v
			if v > row[best] {
				best = c
			}
		}
		if math.Abs(sum-1) > 0.2 {
			t.Errorf("row %d: class probabilities sum to %v, want about 1", i, sum)
		}
		if float64(best) == y {
			correct++
		}
	}
	if acc := float64(correct) / float64(len(te.Label)); acc < 0.9 {
		t.Errorf("iris accuracy = %.3f, want >= 0.9", acc)
	}
}

func TestForestRegressionAndStop(t *testing.T) {
	tr, te := load(t, "diabetes.csv", "disease_progression", true)
	p, err := ParseParams("regression", "num_iterations=60,min_data_in_leaf=5")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(context.Background(), p, tr)
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := m.PredictDataset(te, false)
	mean := 0.0
	for _, y := range tr.Label {
		mean += y
	}
	mean /= float64(len(tr.Label))
	var se, base float64
	for i, y := range te.Label {
		se += (pred[i] - y) * (pred[i] - y)
		base += (mean - y) * (mean - y)
	}
	if rmse, b := math.Sqrt(se/float64(len(pred))), math.Sqrt(base/float64(len(pred))); rmse > 0.85*b {
		t.Errorf("diabetes RMSE = %.2f, want <= 0.85 * %.2f (mean predictor)", rmse, b)
	}
	// A done context returns the forest so far, re-averaged.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m2, err := Train(ctx, p, tr)
	if !errors.Is(err, context.Canceled) || m2 == nil || m2.Iterations != 0 {
		t.Errorf("Train(cancelled) = %v trees, %v; want 0 trees and context.Canceled", m2.Iterations, err)
	}
}
