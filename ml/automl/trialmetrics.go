package automl

import (
	"fmt"
	"math"
	"strings"

	"github.com/trainyard/trainyard/ml/metrics"
)

// MetricValue is one named validation score of a trial.
type MetricValue struct {
	// Name is the metric's registry name, such as "auc" or "rmse".
	Name string `json:"name"`
	// Value is the mean over folds (holdout chunks) of the metric of the
	// trial's out-of-fold predictions.
	Value float64 `json:"value"`
}

// companions are the metrics every finished trial of a task reports besides
// the one optimized: what a reader of a classifier or a regression expects
// to see next to it.
func companions(task string) []string {
	switch task {
	case Binary:
		return []string{"auc", "accuracy", "logloss", "f1"}
	case Multiclass:
		return []string{"auc", "accuracy", "logloss"}
	}
	return []string{"rmse", "mae", "r2"}
}

// trialMetrics scores out-of-fold predictions by the optimized metric and
// its companions, averaged over the scoring groups as Trial.Score is, so the
// first value is the trial's Score. A metric undefined on the predictions
// (AUC on a fold of one class) is left out, as JSON cannot hold NaN.
func (s *searcher) trialMetrics(oof []float64) []MetricValue {
	y, p := s.groupPredictions(oof)
	ms := []metrics.Metric{s.metric}
	for _, name := range companions(s.d.Task) {
		m, err := metrics.Lookup(name)
		if err == nil && m.Name != s.metric.Name {
			ms = append(ms, m)
		}
	}
	var out []MetricValue
	for _, m := range ms {
		if _, v := meanScore(m, y, p); !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, MetricValue{Name: m.Name, Value: v})
		}
	}
	return out
}

// metricsText formats metric values but the one named skip (already given)
// as "auc 0.9952, accuracy 0.9771" for a trial's note.
func metricsText(ms []MetricValue, skip string) string {
	var parts []string
	for _, m := range ms {
		if m.Name != skip {
			parts = append(parts, fmt.Sprintf("%s %.4g", m.Name, m.Value))
		}
	}
	return strings.Join(parts, ", ")
}

// MetricsText writes the trial's metrics by name for a reader, the optimized
// one first: "auc 0.8525, accuracy 0.8021, logloss 0.4312"; "" before the
// trial finished.
func (t Trial) MetricsText() string {
	ms := make([]string, 0, len(t.Metrics))
	for _, m := range t.Metrics {
		ms = append(ms, fmt.Sprintf("%s %.4g", m.Name, m.Value))
	}
	if len(ms) == 0 && t.Metric != "" {
		ms = append(ms, fmt.Sprintf("%s %.4g", t.Metric, t.Score))
	}
	return strings.Join(ms, ", ")
}
