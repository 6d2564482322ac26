package automl

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trainyard/trainyard/ml/metrics"
)

// TestTrialsReportTheirMetricsByName: every finished trial names its
// optimized metric and reports it first, then the task's usual companions,
// each equal to the mean over the validation folds of that metric as the
// metrics package's Summarize computes it from the trial's own out-of-fold
// predictions; the winner's note gives them all.
func TestTrialsReportTheirMetricsByName(t *testing.T) {
	for _, tc := range []struct {
		file, task, metric string
		want               []string
	}{
		{"breast_cancer.csv", Binary, "", []string{"logloss", "auc", "accuracy", "f1"}},
		{"breast_cancer.csv", Binary, "auc", []string{"auc", "accuracy", "logloss", "f1"}},
		{"iris.csv", Multiclass, "", []string{"logloss", "auc", "accuracy"}},
		{"diabetes.csv", Regression, "", []string{"rmse", "mae", "r2"}},
	} {
		d := load(t, tc.file, tc.task)
		var trials []Trial
		cfg := Config{Trials: 2, Seed: 1, Metric: tc.metric, Learners: []string{Linear}, NoEnsemble: true, OnTrial: func(tr Trial) { trials = append(trials, tr) }}
		res, err := Search(context.Background(), d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := newScheme(d, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		note := res.Trials[res.Best].Note
		for _, name := range tc.want {
			if !strings.Contains(note, " "+name+" ") {
				t.Errorf("%s: the winner's note %q does not give its %s", tc.file, note, name)
			}
		}
		for _, tr := range trials {
			if tr.Status != "ok" {
				t.Fatalf("%s: trial %d is %s: %s", tc.file, tr.Number, tr.Status, tr.Note)
			}
			if tr.Metric != res.Metric.Name {
				t.Errorf("%s: trial %d Metric = %q, want %q", tc.file, tr.Number, tr.Metric, res.Metric.Name)
			}
			want := summarized(t, tc.task, d, sch, tr.oof, tc.want)
			if tr.Metrics[0].Value != tr.Score {
				t.Errorf("%s: trial %d reports %s %v first, want its score %v", tc.file, tr.Number, tr.Metrics[0].Name, tr.Metrics[0].Value, tr.Score)
			}
			if diff := cmp.Diff(want, tr.Metrics, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("%s (metric %q): trial %d metrics differ from Summarize's (-want +got):\n%s", tc.file, tc.metric, tr.Number, diff)
			}
		}
	}
}

// summarized computes the named metrics of out-of-fold predictions oof with
// metrics.Summarize, per scoring group of sch, averaged over the groups.
func summarized(t *testing.T, task string, d *Data, sch *scheme, oof []float64, names []string) []MetricValue {
	t.Helper()
	w := width(d)
	sums := make([]float64, len(names))
	for _, pos := range sch.groups {
		var y []float64
		var p metrics.Predictions
		for _, q := range pos {
			y = append(y, d.Label[sch.row(q)])
			if task == Regression {
				p.Values = append(p.Values, oof[q])
			} else {
				p.Proba = append(p.Proba, oof[q*w:(q+1)*w])
			}
		}
		s, err := metrics.Summarize(task, y, p)
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range names {
			sums[i] += summaryValue(t, s, name)
		}
	}
	out := make([]MetricValue, len(names))
	for i, name := range names {
		out[i] = MetricValue{Name: name, Value: sums[i] / float64(len(sch.groups))}
	}
	return out
}

// summaryValue picks the metric called name out of s.
func summaryValue(t *testing.T, s metrics.Summary, name string) float64 {
	t.Helper()
	if r := s.Regression; r != nil {
		switch name {
		case "rmse":
			return r.RMSE
		case "mae":
			return r.MAE
		case "r2":
			return r.R2
		}
	}
	if c := s.Classification; c != nil {
		switch name {
		case "auc":
			if c.ROCAUC != nil {
				return *c.ROCAUC
			}
		case "accuracy":
			return c.Accuracy
		case "logloss":
			return c.LogLoss
		case "f1":
			return c.Report.PerClass[1].F1
		}
	}
	t.Fatalf("no %s in the %s summary", name, s.Task)
	return math.NaN()
}

// TestResumeFillsTheMetricsOfOlderRecords: records written before trials
// reported their metrics resume into trials that do, from the recorded
// out-of-fold predictions.
func TestResumeFillsTheMetricsOfOlderRecords(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	recs := records(t, d, 5, 2)
	old := make([]TrialRecord, len(recs))
	for i, r := range recs {
		if len(r.Metrics) == 0 || r.Metric == "" {
			t.Fatalf("record %d has no metrics: %+v", i, r.Trial)
		}
		old[i] = r
		old[i].Metric, old[i].Metrics = "", nil
	}
	res, err := Search(context.Background(), d, Config{Trials: 2, Seed: 5, Resume: old})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if got := res.Trials[i]; got.Metric != r.Metric || !cmp.Equal(got.Metrics, r.Metrics) {
			t.Errorf("resumed trial %d reports %s %v, want %s %v as recorded", i, got.Metric, got.Metrics, r.Metric, r.Metrics)
		}
	}
}
