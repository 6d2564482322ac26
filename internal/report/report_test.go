package report_test

import (
	"bytes"
	"context"
	"flag"
	"github.com/trainyard/trainyard/ml/datasets"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/report"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// out, when set, is a folder the rendered reports are written to (to look at them).
var out = flag.String("out", "", "write the rendered reports into this folder")

// datasetPath returns the path of a shared dataset.
func datasetPath(t testing.TB, name string) string { return datasets.MustPath(t, name) }

// heldOut trains on the first rows of a dataset and predicts the rest.
func heldOut(t *testing.T, name, target string, drop ...string) (*model.Artifact, *frame.Frame, *model.Batch) {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), datasetPath(t, name), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := f.NRows()
	var tr, te []int
	for i := range n {
		if i%4 == 0 {
			te = append(te, i)
		} else {
			tr = append(tr, i)
		}
	}
	res, err := train.Train(context.Background(), f.Take(tr), train.Options{Target: target, Learners: []string{"gbdt"}, Drop: drop, Seed: 1,
		Params: map[string]string{"num_iterations": "40", "num_leaves": "15"}})
	if err != nil {
		t.Fatal(err)
	}
	test := f.Take(te)
	p, err := model.NewPredictor(res.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.PredictFrame(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	return res.Artifact, test, b
}

// common fills what every report has.
func common(m *trainyardv1.Model, art *model.Artifact) {
	m.Report = &trainyardv1.ModelReport{
		Summary:       "This model predicts " + art.Target + " from the other columns. <Escaped & safe>.",
		Preprocessing: []string{"Dropped the ID column PassengerId: every value is different.", "Imputed nothing: the trees learn where missing values go."},
		Candidates: []*trainyardv1.Candidate{
			{Learner: "gbdt", Params: "num_leaves=15,learning_rate=0.1", Score: 0.871, FitSeconds: 0.42, Note: "best validation score"},
			{Learner: "linear", Params: "l2=1", Score: 0.842, FitSeconds: 0.05, Note: "2.9 points lower"},
		},
		Warnings:  []string{"Small data: 668 training rows; expect the held-out metrics to vary by a few points."},
		TrainRows: 535, ValidationRows: 133, TestRows: 223, TrainingSeconds: 3.2,
	}
	for _, c := range art.Schema {
		m.Features = append(m.Features, &trainyardv1.FeatureSpec{Name: c.Name, Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC, Example: "1"})
	}
	m.Metrics.FeatureImportance = nil
	for _, imp := range art.Importance {
		m.Metrics.FeatureImportance = append(m.Metrics.FeatureImportance, &trainyardv1.FeatureImportance{Feature: imp.Column, Importance: imp.Gain, Method: "gain"})
	}
}

func TestRenderClassifier(t *testing.T) {
	art, test, b := heldOut(t, "titanic.csv", "Survived", "PassengerId", "Name", "Ticket", "Cabin")
	y := test.Col("Survived").Num
	p1 := make([]float64, b.N)
	pred := make([]float64, b.N)
	for i := range b.N {
		p1[i] = b.Probabilities[i*2+1]
		pred[i] = float64(b.Class[i])
	}
	m := &trainyardv1.Model{Id: "m1", DisplayName: "Titanic survival", TargetColumn: "Survived", Architecture: "gbdt",
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_BINARY_CLASSIFICATION, Classes: art.Classes,
		Metrics: &trainyardv1.Metrics{Values: map[string]float64{}, TestRows: int64(b.N)}}
	auc, _ := metrics.ROCAUC(y, p1)
	acc, _ := metrics.Accuracy(y, pred)
	m.Metrics.Values["roc_auc"], m.Metrics.Values["accuracy"] = auc, acc
	m.Metrics.Primary = &trainyardv1.Metric{Name: "roc_auc", Value: auc}
	cm, _ := metrics.ConfusionMatrix(y, pred, 2)
	m.Metrics.ConfusionMatrix = &trainyardv1.ConfusionMatrix{Labels: art.Classes}
	for _, r := range cm {
		row := &trainyardv1.ConfusionRow{}
		for _, c := range r {
			row.Counts = append(row.Counts, int64(c))
		}
		m.Metrics.ConfusionMatrix.Rows = append(m.Metrics.ConfusionMatrix.Rows, row)
	}
	roc, _ := metrics.ROCCurve(y, p1)
	for _, pt := range metrics.Downsample(roc, 100) {
		m.Metrics.RocCurve = append(m.Metrics.RocCurve, &trainyardv1.CurvePoint{X: pt.FPR, Y: pt.TPR})
	}
	pr, _ := metrics.PRCurve(y, p1)
	for _, pt := range metrics.Downsample(pr, 100) {
		m.Metrics.PrCurve = append(m.Metrics.PrCurve, &trainyardv1.CurvePoint{X: pt.Recall, Y: pt.Precision})
	}
	cal, _ := metrics.CalibrationCurve(y, p1, 10)
	for _, c := range cal {
		m.Metrics.Calibration = append(m.Metrics.Calibration, &trainyardv1.CurvePoint{X: c.MeanPredicted, Y: c.FractionPositive})
	}
	common(m, art)
	m.Report.Analysis = &trainyardv1.ProblemAnalysis{ProblemType: m.ProblemType, TargetColumn: "Survived", PositiveClass: "1",
		Metrics: []string{"roc_auc"}, Confidence: 0.92, Reasoning: `The description says "predict who survived"; Survived has two values.`}
	met, achieved := true, auc
	m.Report.SuccessCriteria = []*trainyardv1.SuccessCriterion{{Metric: "roc_auc", Threshold: 0.8, AtLeast: true, Met: &met, Achieved: &achieved}}
	html := render(t, "classifier.html", m)
	for _, want := range []string{"Confusion matrix", "ROC curve (AUC", "Precision-recall", "Calibration", "Feature importance",
		"Decision log", "drop the ID column", "&lt;Escaped &amp; safe&gt;", "gbdt ★", "met (achieved"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(html, "<svg"); n != 5 {
		t.Errorf("report has %d charts, want 5 (confusion, ROC, PR, calibration, importance)", n)
	}
}

func TestRenderRegression(t *testing.T) {
	art, test, b := heldOut(t, "diabetes.csv", "disease_progression")
	y := test.Col("disease_progression").Num
	m := &trainyardv1.Model{Id: "m2", TargetColumn: "disease_progression", Architecture: "gbdt",
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_REGRESSION,
		Metrics:     &trainyardv1.Metrics{Values: map[string]float64{"rmse": 57.1, "r2": 0.41}, Primary: &trainyardv1.Metric{Name: "rmse"}}}
	for i := range b.N {
		m.Metrics.Residuals = append(m.Metrics.Residuals, &trainyardv1.CurvePoint{X: y[i], Y: b.Values[i]})
	}
	common(m, art)
	html := render(t, "regression.html", m)
	for _, want := range []string{"Predicted against actual", "Residuals", "Model m2"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "Confusion matrix") {
		t.Error("a regression report shows a confusion matrix")
	}
}

// render renders m with a decision log and checks what every report must be.
func render(t *testing.T, name string, m *trainyardv1.Model) string {
	t.Helper()
	var buf bytes.Buffer
	err := report.Render(&buf, report.Input{Model: m, Generated: time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC), Decisions: []report.Decision{
		{Stage: "ANALYZING", Type: "target", Decision: "predict " + m.GetTargetColumn(), Reasoning: "named in the description", Confidence: 0.92, Reasoner: "rules"},
		{Stage: "DATA_PROCESSING", Type: "drop", Decision: "drop the ID column", Reasoning: "every value differs <b>", Confidence: 0.99, Reasoner: "rules"},
	}})
	if err != nil {
		t.Fatalf("Render = %v", err)
	}
	html := buf.String()
	for _, bad := range []string{"<script", "http://", "https://", "<b>"} {
		if strings.Contains(html, bad) {
			t.Errorf("report contains %q: it must be self-contained, with no scripts, links or unescaped text", bad)
		}
	}
	if *out != "" {
		if err := os.WriteFile(filepath.Join(*out, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return html
}
