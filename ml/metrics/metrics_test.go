package metrics

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHandComputed(t *testing.T) {
	y := []float64{0, 0, 1, 1}
	score := []float64{0.1, 0.4, 0.35, 0.8}
	// Positive/negative pairs: (0.35 vs 0.1) win, (0.35 vs 0.4) loss,
	// (0.8 vs both) win: 3 of 4.
	v, err := ROCAUC(y, score)
	check(t, "ROCAUC", v, err, 0.75)
	// Ranked: 0.8(+) P=1 R=.5; 0.4(-); 0.35(+) P=2/3 R=1. AP = .5*1 + .5*2/3.
	v, err = AveragePrecision(y, score)
	check(t, "AveragePrecision", v, err, 0.5+0.5*2.0/3)
	v, err = BinaryLogLoss(y, score)
	check(t, "BinaryLogLoss", v, err, -(math.Log(0.9)+math.Log(0.6)+math.Log(0.35)+math.Log(0.8))/4)
	v, err = BinaryBrier(y, score)
	check(t, "BinaryBrier", v, err, (0.01+0.16+0.4225+0.04)/4)

	// Ties: a positive and a negative with the same score count half.
	v, err = ROCAUC([]float64{0, 1, 1}, []float64{0.5, 0.5, 0.9})
	check(t, "ROCAUC with tie", v, err, 0.75)

	pred := []float64{0, 1, 1, 2, 2, 2}
	lab := []float64{0, 0, 1, 1, 2, 2}
	r, err := Report(lab, pred, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := ClassReport{
		PerClass: []ClassScores{
			{Precision: 1, Recall: 0.5, F1: 2.0 / 3, Support: 2},
			{Precision: 0.5, Recall: 0.5, F1: 0.5, Support: 2},
			{Precision: 2.0 / 3, Recall: 1, F1: 0.8, Support: 2},
		},
		Macro:    ClassScores{Precision: (1 + 0.5 + 2.0/3) / 3, Recall: 2.0 / 3, F1: (2.0/3 + 0.5 + 0.8) / 3, Support: 6},
		Weighted: ClassScores{Precision: (1 + 0.5 + 2.0/3) / 3, Recall: 2.0 / 3, F1: (2.0/3 + 0.5 + 0.8) / 3, Support: 6},
	}
	if diff := cmp.Diff(want, r, approx); diff != "" {
		t.Errorf("Report mismatch (-want +got):\n%s", diff)
	}
	v, err = BalancedAccuracy(lab, pred, 3)
	check(t, "BalancedAccuracy", v, err, 2.0/3)

	yr := []float64{1, 2, 0, 4}
	pr := []float64{2, 2, 1, 2}
	v, err = RMSE(yr, pr)
	check(t, "RMSE", v, err, math.Sqrt((1+0+1+4)/4.0))
	v, err = MAE(yr, pr)
	check(t, "MAE", v, err, 1)
	v, err = MAPE(yr, pr) // the zero target is skipped
	check(t, "MAPE", v, err, (1+0+0.5)/3)
	v, err = R2(yr, pr) // mean 1.75, SS_tot 8.75, SS_res 6
	check(t, "R2", v, err, 1-6/8.75)
}

func TestEdgeCases(t *testing.T) {
	if _, err := ROCAUC([]float64{1, 1, 1}, []float64{0.2, 0.5, 0.9}); !errors.Is(err, ErrOneClass) {
		t.Errorf("ROCAUC(one class) error = %v, want ErrOneClass", err)
	}
	if _, err := AveragePrecision([]float64{0, 0}, []float64{0.2, 0.5}); !errors.Is(err, ErrOneClass) {
		t.Errorf("AveragePrecision(no positives) error = %v, want ErrOneClass", err)
	}
	if _, err := ROCAUC([]float64{0, 1}, []float64{0.2, math.NaN()}); !errors.Is(err, ErrNaN) {
		t.Errorf("ROCAUC(NaN score) error = %v, want ErrNaN", err)
	}
	if _, err := LogLoss([]float64{0, 1}, [][]float64{{0.5, 0.5}, {math.NaN(), 0.5}}); !errors.Is(err, ErrNaN) {
		t.Errorf("LogLoss(NaN) error = %v, want ErrNaN", err)
	}
	if _, err := RMSE([]float64{1, 2}, []float64{1, math.NaN()}); !errors.Is(err, ErrNaN) {
		t.Errorf("RMSE(NaN) error = %v, want ErrNaN", err)
	}
	if _, err := Accuracy([]float64{1, 2}, []float64{1}); !errors.Is(err, ErrBadInput) {
		t.Errorf("Accuracy(length mismatch) error = %v, want ErrBadInput", err)
	}
	if _, err := Accuracy(nil, nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("Accuracy(empty) error = %v, want ErrBadInput", err)
	}
	if _, err := MAPE([]float64{0, 0}, []float64{1, 2}); !errors.Is(err, ErrBadInput) {
		t.Errorf("MAPE(all-zero targets) error = %v, want ErrBadInput", err)
	}
	if _, err := ConfusionMatrix([]float64{0, 3}, []float64{0, 1}, 2); !errors.Is(err, ErrBadInput) {
		t.Errorf("ConfusionMatrix(label out of range) error = %v, want ErrBadInput", err)
	}
	// One class present: accuracy is fine, balanced accuracy averages the
	// present class only.
	v, err := BalancedAccuracy([]float64{1, 1, 1}, []float64{1, 0, 1}, 2)
	check(t, "BalancedAccuracy(one class)", v, err, 2.0/3)
	// Log loss clips a zero probability instead of returning +Inf.
	v, err = LogLoss([]float64{0}, [][]float64{{0, 1}})
	check(t, "LogLoss(p=0)", v, err, -math.Log(0x1p-52))
	// A constant target: R² is 1 for exact predictions, else 0.
	v, err = R2([]float64{3, 3}, []float64{3, 3})
	check(t, "R2(constant, exact)", v, err, 1)
	v, err = R2([]float64{3, 3}, []float64{3, 4})
	check(t, "R2(constant, off)", v, err, 0)
	// OvR leaves out a class absent from y.
	v, err = ROCAUCOvR([]float64{0, 0, 1, 1}, [][]float64{{0.9, 0.1, 0}, {0.6, 0.4, 0}, {0.3, 0.7, 0}, {0.5, 0.5, 0}})
	check(t, "ROCAUCOvR(absent class)", v, err, 1)
}

func TestThresholdsOnHandData(t *testing.T) {
	y := []float64{1, 1, 0, 1, 0, 0, 1, 0}
	s := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2}
	got, err := ThresholdForRecall(y, s, 0.75)
	if err != nil {
		t.Fatal(err)
	}
	// Recall reaches 3/4 at 0.6 (three positives at or above it).
	want := Threshold{Threshold: 0.6, Precision: 0.75, Recall: 0.75, F1: 0.75, FPR: 0.25, Achieved: true}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("ThresholdForRecall(0.75) (-want +got):\n%s", diff)
	}
	got, _ = ThresholdForPrecision(y, s, 0.75)
	if got.Threshold != 0.6 || !got.Achieved {
		t.Errorf("ThresholdForPrecision(0.75) = %+v, want threshold 0.6 (lowest with precision >= 0.75)", got)
	}
	got, _ = ThresholdMaxF1(y, s)
	if got.Threshold != 0.6 {
		t.Errorf("ThresholdMaxF1 = %+v, want threshold 0.6 (F1 0.75; 0.3 also gives 0.727)", got)
	}
	pred := ThresholdPredictions(s, got.Threshold)
	if want := []float64{1, 1, 1, 1, 0, 0, 0, 0}; !cmp.Equal(pred, want) {
		t.Errorf("ThresholdPredictions = %v, want %v", pred, want)
	}
}

func TestDownsample(t *testing.T) {
	pts := make([]int, 1000)
	for i := range pts {
		pts[i] = i
	}
	got := Downsample(pts, 5)
	if want := []int{0, 249, 499, 749, 999}; !cmp.Equal(got, want) {
		t.Errorf("Downsample(0..999, 5) = %v, want %v", got, want)
	}
	if got := Downsample(pts[:3], 5); len(got) != 3 {
		t.Errorf("Downsample(3 points, 5) kept %d points, want 3", len(got))
	}
}

func TestRegistry(t *testing.T) {
	y := []float64{0, 1, 1, 0}
	p := Predictions{Proba: [][]float64{{0.8, 0.2}, {0.3, 0.7}, {0.6, 0.4}, {0.4, 0.6}}}
	for name, want := range map[string]float64{
		"accuracy": 0.5,
		"auc":      0.75,
		"roc_auc":  0.75,
		"f1":       0.5,
		"logloss":  -(math.Log(0.8) + math.Log(0.7) + math.Log(0.4) + math.Log(0.4)) / 4,
	} {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := m.Compute(y, p)
		check(t, name, v, err, want)
	}
	for _, name := range Names() {
		m, err := Lookup(name)
		if err != nil || m.Name != name || m.Description == "" || len(m.Tasks) == 0 {
			t.Errorf("Lookup(%q) = %+v, %v", name, m, err)
		}
	}
	if _, err := Lookup("nope"); !errors.Is(err, ErrUnknownMetric) {
		t.Errorf("Lookup(nope) error = %v, want ErrUnknownMetric", err)
	}
	auc, _ := Lookup("auc")
	rmse, _ := Lookup("rmse")
	if !auc.Better(0.9, 0.8) || rmse.Better(0.9, 0.8) || !rmse.Better(0.8, 0.9) {
		t.Errorf("Better has the wrong direction")
	}
	if !auc.AppliesTo(TaskMulticlass) || rmse.AppliesTo(TaskBinary) {
		t.Errorf("AppliesTo wrong")
	}
	v, err := rmse.Compute([]float64{1, 2}, Predictions{Values: []float64{1, 4}})
	check(t, "rmse", v, err, math.Sqrt(2))
	if d, err := Default(TaskMulticlass); err != nil || d.Name != "logloss" {
		t.Errorf("Default(multiclass) = %v, %v", d.Name, err)
	}
	if _, err := auc.Compute(y, Predictions{Values: []float64{0, 1, 1, 0}}); !errors.Is(err, ErrBadInput) {
		t.Errorf("auc without probabilities error = %v, want ErrBadInput", err)
	}
}

func TestSummaryJSON(t *testing.T) {
	g := loadGolden(t)
	b := g.Binary[0]
	proba := make([][]float64, len(b.Score))
	for i, s := range b.Score {
		proba[i] = []float64{1 - s, s}
	}
	s, err := Summarize(TaskBinary, b.Y, Predictions{Proba: proba})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Classification
	if c == nil || c.ROCAUC == nil || math.Abs(*c.ROCAUC-b.ROCAUC) > 1e-12 {
		t.Fatalf("binary summary = %+v, want ROC AUC %v", c, b.ROCAUC)
	}
	if len(c.ROC) > SummaryCurvePoints || len(c.PR) > SummaryCurvePoints || len(c.Calibration) == 0 || c.BestF1 == nil {
		t.Errorf("binary summary charts: %d ROC, %d PR points, %d bins, bestF1 %v", len(c.ROC), len(c.PR), len(c.Calibration), c.BestF1)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"rocAuc":`, `"balancedAccuracy":`, `"confusionMatrix":`, `"perClass":`, `"fractionPositive":`, `"bestF1":`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("summary JSON lacks %s", key)
		}
	}

	m := g.Multiclass[0]
	s, err = Summarize(TaskMulticlass, m.Y, Predictions{Proba: m.Proba})
	if err != nil {
		t.Fatal(err)
	}
	if s.Classification.Accuracy != m.Accuracy || s.Classification.ROC != nil {
		t.Errorf("multiclass summary accuracy %v (want %v), ROC %v (want none)", s.Classification.Accuracy, m.Accuracy, s.Classification.ROC)
	}

	r := g.Regression[0]
	s, err = Summarize(TaskRegression, r.Y, Predictions{Values: r.Pred})
	if err != nil {
		t.Fatal(err)
	}
	if s.Regression == nil || s.Regression.MAPE == nil || math.Abs(s.Regression.R2-r.R2) > 1e-12 {
		t.Errorf("regression summary = %+v", s.Regression)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("regression summary JSON: %v", err)
	}

	// One class in the labels: ranking scores are omitted, not an error.
	s, err = Summarize(TaskBinary, []float64{1, 1}, Predictions{Proba: [][]float64{{0.2, 0.8}, {0.6, 0.4}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Classification.ROCAUC != nil {
		t.Errorf("one-class summary has ROC AUC %v, want none", *s.Classification.ROCAUC)
	}
	if _, err := Summarize(TaskBinary, []float64{0, 1}, Predictions{Proba: [][]float64{{0.2, 0.8}, {math.NaN(), 0.4}}}); !errors.Is(err, ErrNaN) {
		t.Errorf("Summarize(NaN) error = %v, want ErrNaN", err)
	}
}
