package gbdt

import (
	"context"
	"math"
	"testing"
)

func mustParams(t testing.TB, objective, s string) Params {
	t.Helper()
	p, err := ParseParams(objective, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustTrain(t testing.TB, p Params, d *Dataset, opt Options) *Model {
	t.Helper()
	m, err := Train(context.Background(), p, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBreastCancerAUC(t *testing.T) {
	d := loadCSV(t, "breast_cancer.csv", "diagnosis", false)
	tr, te := splitEvery(d, 4)
	m := mustTrain(t, mustParams(t, "binary", ""), tr, Options{})
	raw, err := m.PredictDataset(te, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := Evaluate("auc", raw, 1, te.Label, nil, 1); got < 0.98 {
		t.Errorf("breast_cancer test AUC = %.4f, want >= 0.98", got)
	}
}

func TestIrisAccuracy(t *testing.T) {
	d := loadCSV(t, "iris.csv", "species", false)
	tr, te := splitEvery(d, 3)
	m := mustTrain(t, mustParams(t, "multiclass", "num_class=3,min_data_in_leaf=5"), tr, Options{})
	raw, err := m.PredictDataset(te, true)
	if err != nil {
		t.Fatal(err)
	}
	// raw is row-major; Evaluate wants class-major.
	n := len(te.Label)
	cm := make([]float64, 3*n)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			cm[c*n+i] = raw[i*3+c]
		}
	}
	if got := 1 - Evaluate("multi_error", cm, 3, te.Label, nil, 1); got < 0.9 {
		t.Errorf("iris test accuracy = %.3f, want >= 0.9", got)
	}
}

func TestDiabetesRMSE(t *testing.T) {
	d := loadCSV(t, "diabetes.csv", "disease_progression", true)
	tr, te := splitEvery(d, 4)
	m := mustTrain(t, mustParams(t, "regression", "learning_rate=0.05"), tr, Options{})
	pred, err := m.PredictDataset(te, true)
	if err != nil {
		t.Fatal(err)
	}
	rmse := Evaluate("rmse", pred, 1, te.Label, nil, 1)
	// Predicting the mean gives about 77; a fitted model should do clearly better.
	mean := 0.0
	for _, y := range tr.Label {
		mean += y
	}
	mean /= float64(len(tr.Label))
	base := 0.0
	for _, y := range te.Label {
		base += (y - mean) * (y - mean)
	}
	base = math.Sqrt(base / float64(len(te.Label)))
	if rmse > 0.85*base {
		t.Errorf("diabetes test RMSE = %.2f, want <= 0.85 * %.2f (mean predictor)", rmse, base)
	}
	t.Logf("diabetes RMSE %.2f, mean-predictor %.2f", rmse, base)
}
