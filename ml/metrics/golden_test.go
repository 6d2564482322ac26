package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The reference values in testdata/golden.json come from scikit-learn
// (testdata/gen_golden.py) on cross-validated predictions for real datasets.

type goldenBinary struct {
	Name             string      `json:"name"`
	Y                []float64   `json:"y"`
	Score            []float64   `json:"score"`
	Pred             []float64   `json:"pred"`
	Accuracy         float64     `json:"accuracy"`
	BalancedAccuracy float64     `json:"balancedAccuracy"`
	Confusion        [][]int     `json:"confusion"`
	Report           ClassReport `json:"report"`
	ROCAUC           float64     `json:"rocAuc"`
	AveragePrecision float64     `json:"averagePrecision"`
	LogLoss          float64     `json:"logLoss"`
	Brier            float64     `json:"brier"`
	ROC              struct {
		FPR, TPR, Thresholds []float64
	} `json:"roc"`
	Calibration struct {
		FractionPositive []float64 `json:"fractionPositive"`
		MeanPredicted    []float64 `json:"meanPredicted"`
	} `json:"calibration"`
	Thresholds map[string]Threshold `json:"thresholds"`
}

type goldenMulticlass struct {
	Name             string      `json:"name"`
	Y                []float64   `json:"y"`
	Proba            [][]float64 `json:"proba"`
	Pred             []float64   `json:"pred"`
	Accuracy         float64     `json:"accuracy"`
	BalancedAccuracy float64     `json:"balancedAccuracy"`
	Confusion        [][]int     `json:"confusion"`
	Report           ClassReport `json:"report"`
	ROCAUC           float64     `json:"rocAuc"`
	AveragePrecision float64     `json:"averagePrecision"`
	LogLoss          float64     `json:"logLoss"`
	Brier            float64     `json:"brier"`
}

type goldenRegression struct {
	Name      string    `json:"name"`
	Y         []float64 `json:"y"`
	Pred      []float64 `json:"pred"`
	RMSE      float64   `json:"rmse"`
	MAE       float64   `json:"mae"`
	R2        float64   `json:"r2"`
	MAPE      float64   `json:"mape"`
	Residuals Residuals `json:"residuals"`
}

type golden struct {
	Binary     []goldenBinary     `json:"binary"`
	Multiclass []goldenMulticlass `json:"multiclass"`
	Regression []goldenRegression `json:"regression"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

var approx = cmpopts.EquateApprox(1e-12, 1e-12)

// check compares one scalar metric with its reference.
func check(t *testing.T, name string, got float64, err error, want float64) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if !cmp.Equal(got, want, approx) {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

func TestBinaryMatchesScikitLearn(t *testing.T) {
	for _, g := range loadGolden(t).Binary {
		t.Run(g.Name, func(t *testing.T) {
			v, err := Accuracy(g.Y, g.Pred)
			check(t, "Accuracy", v, err, g.Accuracy)
			v, err = BalancedAccuracy(g.Y, g.Pred, 2)
			check(t, "BalancedAccuracy", v, err, g.BalancedAccuracy)
			v, err = ROCAUC(g.Y, g.Score)
			check(t, "ROCAUC", v, err, g.ROCAUC)
			v, err = AveragePrecision(g.Y, g.Score)
			check(t, "AveragePrecision", v, err, g.AveragePrecision)
			v, err = BinaryLogLoss(g.Y, g.Score)
			check(t, "BinaryLogLoss", v, err, g.LogLoss)
			v, err = BinaryBrier(g.Y, g.Score)
			check(t, "BinaryBrier", v, err, g.Brier)
			proba := make([][]float64, len(g.Score))
			for i, s := range g.Score {
				proba[i] = []float64{1 - s, s}
			}
			v, err = LogLoss(g.Y, proba)
			check(t, "LogLoss", v, err, g.LogLoss)
			v, err = Brier(g.Y, proba)
			check(t, "Brier", v, err, g.Brier)

			cm, err := ConfusionMatrix(g.Y, g.Pred, 2)
			if err != nil || !cmp.Equal(cm, g.Confusion) {
				t.Errorf("ConfusionMatrix = %v, %v; want %v", cm, err, g.Confusion)
			}
			r, err := Report(g.Y, g.Pred, 2)
			if diff := cmp.Diff(g.Report, r, approx); err != nil || diff != "" {
				t.Errorf("Report error %v, mismatch (-want +got):\n%s", err, diff)
			}

			roc, err := ROCCurve(g.Y, g.Score)
			if err != nil {
				t.Fatal(err)
			}
			var fpr, tpr, thr []float64
			for i, p := range roc {
				fpr, tpr = append(fpr, p.FPR), append(tpr, p.TPR)
				if i > 0 {
					thr = append(thr, p.Threshold)
				}
			}
			if diff := cmp.Diff(g.ROC.FPR, fpr, approx); diff != "" {
				t.Errorf("ROC FPR (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(g.ROC.TPR, tpr, approx); diff != "" {
				t.Errorf("ROC TPR (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(g.ROC.Thresholds, thr, approx); diff != "" {
				t.Errorf("ROC thresholds (-want +got):\n%s", diff)
			}

			bins, err := CalibrationCurve(g.Y, g.Score, 10)
			if err != nil {
				t.Fatal(err)
			}
			var frac, mean []float64
			for _, b := range bins {
				frac, mean = append(frac, b.FractionPositive), append(mean, b.MeanPredicted)
			}
			if diff := cmp.Diff(g.Calibration.FractionPositive, frac, approx); diff != "" {
				t.Errorf("calibration fraction positive (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(g.Calibration.MeanPredicted, mean, approx); diff != "" {
				t.Errorf("calibration mean predicted (-want +got):\n%s", diff)
			}

			ignoreFPR := cmpopts.IgnoreFields(Threshold{}, "FPR")
			for name, f := range map[string]func() (Threshold, error){
				"recall90":    func() (Threshold, error) { return ThresholdForRecall(g.Y, g.Score, 0.9) },
				"precision95": func() (Threshold, error) { return ThresholdForPrecision(g.Y, g.Score, 0.95) },
				"maxF1":       func() (Threshold, error) { return ThresholdMaxF1(g.Y, g.Score) },
			} {
				got, err := f()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if diff := cmp.Diff(g.Thresholds[name], got, approx, ignoreFPR); diff != "" {
					t.Errorf("%s threshold (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestMulticlassMatchesScikitLearn(t *testing.T) {
	for _, g := range loadGolden(t).Multiclass {
		t.Run(g.Name, func(t *testing.T) {
			k := len(g.Proba[0])
			if got := Argmax(g.Proba); !cmp.Equal(got, g.Pred) {
				t.Errorf("Argmax differs from numpy's argmax")
			}
			v, err := Accuracy(g.Y, g.Pred)
			check(t, "Accuracy", v, err, g.Accuracy)
			v, err = BalancedAccuracy(g.Y, g.Pred, k)
			check(t, "BalancedAccuracy", v, err, g.BalancedAccuracy)
			v, err = ROCAUCOvR(g.Y, g.Proba)
			check(t, "ROCAUCOvR", v, err, g.ROCAUC)
			v, err = AveragePrecisionOvR(g.Y, g.Proba)
			check(t, "AveragePrecisionOvR", v, err, g.AveragePrecision)
			v, err = LogLoss(g.Y, g.Proba)
			check(t, "LogLoss", v, err, g.LogLoss)
			v, err = Brier(g.Y, g.Proba)
			check(t, "Brier", v, err, g.Brier)
			cm, err := ConfusionMatrix(g.Y, g.Pred, k)
			if err != nil || !cmp.Equal(cm, g.Confusion) {
				t.Errorf("ConfusionMatrix = %v, %v; want %v", cm, err, g.Confusion)
			}
			r, err := Report(g.Y, g.Pred, k)
			if diff := cmp.Diff(g.Report, r, approx); err != nil || diff != "" {
				t.Errorf("Report error %v, mismatch (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestRegressionMatchesScikitLearn(t *testing.T) {
	for _, g := range loadGolden(t).Regression {
		t.Run(g.Name, func(t *testing.T) {
			v, err := RMSE(g.Y, g.Pred)
			check(t, "RMSE", v, err, g.RMSE)
			v, err = MAE(g.Y, g.Pred)
			check(t, "MAE", v, err, g.MAE)
			v, err = R2(g.Y, g.Pred)
			check(t, "R2", v, err, g.R2)
			v, err = MAPE(g.Y, g.Pred)
			check(t, "MAPE", v, err, g.MAPE)
			res, err := SummarizeResiduals(g.Y, g.Pred)
			if diff := cmp.Diff(g.Residuals, res, cmpopts.EquateApprox(1e-10, 1e-9)); err != nil || diff != "" {
				t.Errorf("SummarizeResiduals error %v, mismatch (-want +got):\n%s", err, diff)
			}
			if math.IsNaN(v) {
				t.Errorf("MAPE is NaN")
			}
		})
	}
}
