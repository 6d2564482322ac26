package metrics

import (
	"errors"
	"fmt"
)

// Limits of the chart data in a Summary.
const (
	// SummaryCurvePoints is the most points kept of the ROC and
	// precision-recall curves.
	SummaryCurvePoints = 101
	// SummaryCalibrationBins is the number of calibration bins.
	SummaryCalibrationBins = 10
)

// Summary is the standard set of metrics of a task, for reports. Exactly one
// of Classification and Regression is set.
type Summary struct {
	Task           string                 `json:"task"`
	Rows           int                    `json:"rows"`
	Classification *ClassificationSummary `json:"classification,omitempty"`
	Regression     *RegressionSummary     `json:"regression,omitempty"`
}

// ClassificationSummary holds a classifier's scores. Ranking scores are nil
// where they are undefined (a single class in the labels); the curves,
// calibration and best-F1 threshold are filled for binary tasks only.
type ClassificationSummary struct {
	Accuracy         float64          `json:"accuracy"`
	BalancedAccuracy float64          `json:"balancedAccuracy"`
	LogLoss          float64          `json:"logLoss"`
	Brier            float64          `json:"brier"`
	ROCAUC           *float64         `json:"rocAuc,omitempty"`
	PRAUC            *float64         `json:"prAuc,omitempty"`
	Report           ClassReport      `json:"report"`
	ConfusionMatrix  [][]int          `json:"confusionMatrix"`
	ROC              []ROCPoint       `json:"roc,omitempty"`
	PR               []PRPoint        `json:"pr,omitempty"`
	Calibration      []CalibrationBin `json:"calibration,omitempty"`
	BestF1           *Threshold       `json:"bestF1,omitempty"`
}

// RegressionSummary holds a regression's scores. MAPE is nil when every
// target is zero.
type RegressionSummary struct {
	RMSE      float64   `json:"rmse"`
	MAE       float64   `json:"mae"`
	R2        float64   `json:"r2"`
	MAPE      *float64  `json:"mape,omitempty"`
	Residuals Residuals `json:"residuals"`
}

// Summarize computes the Summary of predictions p against y for task
// (TaskBinary, TaskMulticlass or TaskRegression). Classifiers need Proba;
// their predicted classes are Values when given, else the most probable
// class.
func Summarize(task string, y []float64, p Predictions) (Summary, error) {
	s := Summary{Task: task, Rows: len(y)}
	var err error
	switch task {
	case TaskRegression:
		s.Regression, err = summarizeRegression(y, p.Values)
	case TaskBinary, TaskMulticlass:
		s.Classification, err = summarizeClassification(task, y, p)
	default:
		err = badInput("unknown task %q", task)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("summarize %s: %w", task, err)
	}
	return s, nil
}

func summarizeRegression(y, pred []float64) (*RegressionSummary, error) {
	var r RegressionSummary
	var err error
	if r.RMSE, err = RMSE(y, pred); err != nil {
		return nil, err
	}
	r.MAE, _ = MAE(y, pred)
	r.R2, _ = R2(y, pred)
	if mape, err := MAPE(y, pred); err == nil {
		r.MAPE = &mape
	}
	r.Residuals, _ = SummarizeResiduals(y, pred)
	return &r, nil
}

func summarizeClassification(task string, y []float64, p Predictions) (*ClassificationSummary, error) {
	if p.Proba == nil || len(p.Proba) == 0 {
		return nil, badInput("classification summary needs probabilities")
	}
	k := len(p.Proba[0])
	if task == TaskBinary && k != 2 {
		return nil, badInput("binary task with %d probability columns", k)
	}
	pred, err := p.classes()
	if err != nil {
		return nil, err
	}
	var c ClassificationSummary
	if c.LogLoss, err = LogLoss(y, p.Proba); err != nil {
		return nil, err
	}
	if c.Brier, err = Brier(y, p.Proba); err != nil {
		return nil, err
	}
	if c.ConfusionMatrix, err = ConfusionMatrix(y, pred, k); err != nil {
		return nil, err
	}
	c.Report = reportFrom(c.ConfusionMatrix)
	c.BalancedAccuracy = balancedFrom(c.ConfusionMatrix)
	c.Accuracy, _ = Accuracy(y, pred)
	// Ranking scores are undefined with a single class; leave them out.
	optional := func(v float64, err error) (*float64, error) {
		if errors.Is(err, ErrOneClass) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &v, nil
	}
	if task == TaskMulticlass {
		if c.ROCAUC, err = optional(ROCAUCOvR(y, p.Proba)); err != nil {
			return nil, err
		}
		if c.PRAUC, err = optional(AveragePrecisionOvR(y, p.Proba)); err != nil {
			return nil, err
		}
		return &c, nil
	}
	score, err := p.positive()
	if err != nil {
		return nil, err
	}
	if c.ROCAUC, err = optional(ROCAUC(y, score)); err != nil {
		return nil, err
	}
	if c.PRAUC, err = optional(AveragePrecision(y, score)); err != nil {
		return nil, err
	}
	if roc, err := ROCCurve(y, score); err == nil {
		c.ROC = Downsample(roc, SummaryCurvePoints)
	}
	if pr, err := PRCurve(y, score); err == nil {
		c.PR = Downsample(pr, SummaryCurvePoints)
	}
	if c.Calibration, err = CalibrationCurve(y, score, SummaryCalibrationBins); err != nil {
		return nil, err
	}
	if t, err := ThresholdMaxF1(y, score); err == nil {
		c.BestF1 = &t
	}
	return &c, nil
}
