package metrics

import (
	"errors"
	"fmt"
	"slices"
)

// ErrUnknownMetric reports a metric name that Lookup does not know.
var ErrUnknownMetric = errors.New("unknown metric")

// The tasks metrics apply to, spelled as the learners spell them.
const (
	TaskBinary     = "binary"
	TaskMulticlass = "multiclass"
	TaskRegression = "regression"
)

// Predictions are what a model produced for a set of rows.
type Predictions struct {
	// Values are the predicted numbers (regression) or predicted class
	// indices (classification). For a classifier they may be left nil; the
	// most probable class of each Proba row is used.
	Values []float64 `json:"values,omitempty"`
	// Proba holds one row of class probabilities per row (classification).
	// For a binary task the rows have two values, [P(0), P(1)].
	Proba [][]float64 `json:"proba,omitempty"`
}

// classes returns the predicted classes of a classifier.
func (p Predictions) classes() ([]float64, error) {
	if p.Values != nil {
		return p.Values, nil
	}
	if p.Proba == nil {
		return nil, badInput("classification predictions without values or probabilities")
	}
	for i, row := range p.Proba {
		if err := checkNotNaN("probability", row); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
	}
	return Argmax(p.Proba), nil
}

// positive returns the probability of class 1 of a binary classifier.
func (p Predictions) positive() ([]float64, error) {
	if p.Proba == nil {
		return nil, badInput("metric needs probabilities")
	}
	s := make([]float64, len(p.Proba))
	for i, row := range p.Proba {
		if len(row) != 2 {
			return nil, badInput("binary probability row %d has %d values, want 2", i, len(row))
		}
		s[i] = row[1]
	}
	return s, nil
}

func (p Predictions) numClasses() int {
	if len(p.Proba) > 0 {
		return len(p.Proba[0])
	}
	return 0
}

// Metric is a named score that model search optimizes and reports show.
type Metric struct {
	// Name is the registry name, such as "auc" or "rmse".
	Name string `json:"name"`
	// HigherIsBetter tells the direction of improvement.
	HigherIsBetter bool `json:"higherIsBetter"`
	// Tasks lists the tasks the metric applies to.
	Tasks []string `json:"tasks"`
	// NeedsProba tells that the metric reads probabilities, not classes.
	NeedsProba bool `json:"needsProba"`
	// Description says what is computed, in one line.
	Description string `json:"description"`

	aliases []string
	compute func(y []float64, p Predictions) (float64, error)
}

// Compute scores predictions p against labels or targets y.
func (m Metric) Compute(y []float64, p Predictions) (float64, error) {
	v, err := m.compute(y, p)
	if err != nil {
		return 0, fmt.Errorf("metric %s: %w", m.Name, err)
	}
	return v, nil
}

// Better tells whether score a is strictly better than score b.
func (m Metric) Better(a, b float64) bool {
	if m.HigherIsBetter {
		return a > b
	}
	return a < b
}

// AppliesTo tells whether the metric is defined for task.
func (m Metric) AppliesTo(task string) bool { return slices.Contains(m.Tasks, task) }

// all builds the registry; it is rebuilt on each call so no package state is
// shared.
func all() []Metric {
	classTasks := []string{TaskBinary, TaskMulticlass}
	regTasks := []string{TaskRegression}
	fromClasses := func(f func(y, pred []float64, k int) (float64, error)) func([]float64, Predictions) (float64, error) {
		return func(y []float64, p Predictions) (float64, error) {
			pred, err := p.classes()
			if err != nil {
				return 0, err
			}
			return f(y, pred, p.numClasses())
		}
	}
	report := func(pick func(ClassReport, int) float64) func(y, pred []float64, k int) (float64, error) {
		return func(y, pred []float64, k int) (float64, error) {
			r, err := Report(y, pred, k)
			if err != nil {
				return 0, err
			}
			return pick(r, len(r.PerClass)), nil
		}
	}
	// binaryOrMacro picks class 1 for two classes and the macro average
	// otherwise.
	binaryOrMacro := func(field func(ClassScores) float64) func(ClassReport, int) float64 {
		return func(r ClassReport, k int) float64 {
			if k == 2 {
				return field(r.PerClass[1])
			}
			return field(r.Macro)
		}
	}
	ranking := func(bin func(y, s []float64) (float64, error), multi func([]float64, [][]float64) (float64, error)) func([]float64, Predictions) (float64, error) {
		return func(y []float64, p Predictions) (float64, error) {
			if p.numClasses() == 2 {
				s, err := p.positive()
				if err != nil {
					return 0, err
				}
				return bin(y, s)
			}
			if p.Proba == nil {
				return 0, badInput("metric needs probabilities")
			}
			return multi(y, p.Proba)
		}
	}
	withProba := func(f func([]float64, [][]float64) (float64, error)) func([]float64, Predictions) (float64, error) {
		return func(y []float64, p Predictions) (float64, error) {
			if p.Proba == nil {
				return 0, badInput("metric needs probabilities")
			}
			return f(y, p.Proba)
		}
	}
	regression := func(f func(y, pred []float64) (float64, error)) func([]float64, Predictions) (float64, error) {
		return func(y []float64, p Predictions) (float64, error) { return f(y, p.Values) }
	}
	precision := func(s ClassScores) float64 { return s.Precision }
	recall := func(s ClassScores) float64 { return s.Recall }
	f1 := func(s ClassScores) float64 { return s.F1 }
	return []Metric{
		{Name: "accuracy", HigherIsBetter: true, Tasks: classTasks, Description: "share of rows whose predicted class is right",
			compute: fromClasses(func(y, pred []float64, _ int) (float64, error) { return Accuracy(y, pred) })},
		{Name: "balanced_accuracy", HigherIsBetter: true, Tasks: classTasks, Description: "mean recall over classes",
			compute: fromClasses(BalancedAccuracy)},
		{Name: "f1", HigherIsBetter: true, Tasks: classTasks, Description: "F1 of class 1 (binary) or macro F1 (multiclass)",
			compute: fromClasses(report(binaryOrMacro(f1)))},
		{Name: "f1_macro", HigherIsBetter: true, Tasks: classTasks, Description: "unweighted mean of per-class F1",
			compute: fromClasses(report(func(r ClassReport, _ int) float64 { return r.Macro.F1 }))},
		{Name: "f1_weighted", HigherIsBetter: true, Tasks: classTasks, Description: "support-weighted mean of per-class F1",
			compute: fromClasses(report(func(r ClassReport, _ int) float64 { return r.Weighted.F1 }))},
		{Name: "precision", HigherIsBetter: true, Tasks: classTasks, Description: "precision of class 1 (binary) or macro precision",
			compute: fromClasses(report(binaryOrMacro(precision)))},
		{Name: "recall", HigherIsBetter: true, Tasks: classTasks, Description: "recall of class 1 (binary) or macro recall",
			compute: fromClasses(report(binaryOrMacro(recall)))},
		{Name: "auc", aliases: []string{"roc_auc"}, HigherIsBetter: true, Tasks: classTasks, NeedsProba: true,
			Description: "ROC AUC (binary) or one-vs-rest macro ROC AUC (multiclass)",
			compute:     ranking(ROCAUC, ROCAUCOvR)},
		{Name: "pr_auc", aliases: []string{"average_precision"}, HigherIsBetter: true, Tasks: classTasks, NeedsProba: true,
			Description: "average precision (binary) or its one-vs-rest macro mean",
			compute:     ranking(AveragePrecision, AveragePrecisionOvR)},
		{Name: "logloss", aliases: []string{"log_loss", "multi_logloss", "binary_logloss"}, Tasks: classTasks, NeedsProba: true,
			Description: "mean negative log probability of the true class",
			compute:     withProba(LogLoss)},
		{Name: "brier", Tasks: classTasks, NeedsProba: true,
			Description: "mean squared error of the probabilities",
			compute:     withProba(Brier)},
		{Name: "rmse", aliases: []string{"l2_root"}, Tasks: regTasks, Description: "root mean squared error",
			compute: regression(RMSE)},
		{Name: "mae", aliases: []string{"l1"}, Tasks: regTasks, Description: "mean absolute error",
			compute: regression(MAE)},
		{Name: "r2", HigherIsBetter: true, Tasks: regTasks, Description: "coefficient of determination",
			compute: regression(R2)},
		{Name: "mape", Tasks: regTasks, Description: "mean absolute percentage error over non-zero targets, as a fraction",
			compute: regression(MAPE)},
	}
}

// Lookup returns the metric called name (or one of its aliases, such as
// "roc_auc" for "auc" or LightGBM's "multi_logloss").
func Lookup(name string) (Metric, error) {
	for _, m := range all() {
		if m.Name == name || slices.Contains(m.aliases, name) {
			return m, nil
		}
	}
	return Metric{}, fmt.Errorf("%q: %w", name, ErrUnknownMetric)
}

// Names lists the registered metric names (without aliases) in registry
// order.
func Names() []string {
	ms := all()
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return names
}

// Default is the metric a search optimizes for a task when the user named
// none: log loss for classifiers (smooth, and what LightGBM reports by
// default), RMSE for regression.
func Default(task string) (Metric, error) {
	switch task {
	case TaskBinary, TaskMulticlass:
		return Lookup("logloss")
	case TaskRegression:
		return Lookup("rmse")
	}
	return Metric{}, badInput("unknown task %q", task)
}
