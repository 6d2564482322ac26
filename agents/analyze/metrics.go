package analyze

import (
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// imbalanced is the minority share below which a binary problem counts as
// imbalanced (a majority/minority ratio of 2.5 or more).
const imbalanced = 1 / 3.5

// metricOptions scores the metrics for a task, given the share of the
// rarest class and the number of classes. A metric the success criteria
// name comes first; the others follow by how well they suit the task.
func metricOptions(task ProblemType, minority float64, classes int, criteria []SuccessCriterion) []reasoner.Option {
	var base []reasoner.Option
	opt := func(name string, score float64, why string) {
		base = append(base, reasoner.Option{Value: name, Score: score, Evidence: []string{why}})
	}
	switch task {
	case Binary:
		if minority < imbalanced {
			why := fmt.Sprintf("the rarer class is %.0f%% of rows", 100*minority)
			opt("roc_auc", 0.85, "ranks positives above negatives whatever the threshold; "+why)
			opt("pr_auc", 0.8, "focuses on the rare class; "+why)
			opt("f1", 0.7, "balances precision and recall on the rare class")
			opt("accuracy", 0.3, "misleading when one class dominates; "+why)
			opt("logloss", 0.4, "rewards calibrated probabilities")
		} else {
			opt("roc_auc", 0.9, fmt.Sprintf("threshold-free ranking quality; classes are balanced enough (rarer %.0f%%)", 100*minority))
			opt("accuracy", 0.6, "easy to read with balanced classes")
			opt("f1", 0.55, "balances precision and recall")
			opt("logloss", 0.5, "rewards calibrated probabilities")
		}
	case Multiclass:
		opt("accuracy", 0.85, "share of correct classes, easy to read")
		opt("f1_macro", 0.75, "weighs every class equally")
		opt("logloss", 0.6, "rewards calibrated probabilities")
		if minority > 0 && minority*float64(classes) < 0.25 {
			base[1].Score = 0.9
			base[1].Evidence = append(base[1].Evidence, fmt.Sprintf("the rarest class is %.1f%% of rows, under a quarter of its even share", 100*minority))
		}
	case Regression:
		opt("rmse", 0.85, "error in the target's own unit, penalizes large misses")
		opt("mae", 0.75, "typical error in the target's own unit, robust to outliers")
		opt("r2", 0.65, "share of variance explained, unitless")
	}
	if len(criteria) == 0 {
		return base
	}
	// The user's own criteria come first, in the order stated; the rest
	// keep their order below them.
	var out []reasoner.Option
	for i, c := range criteria {
		if slices.ContainsFunc(out, func(o reasoner.Option) bool { return o.Value == c.Metric }) {
			continue
		}
		out = append(out, reasoner.Option{Value: c.Metric, Score: 1 - 0.01*float64(i),
			Evidence: []string{fmt.Sprintf("the description sets a goal on it (%q)", c.Text)}})
	}
	for _, o := range base {
		if !slices.ContainsFunc(out, func(x reasoner.Option) bool { return x.Value == o.Value }) {
			o.Score *= 0.6
			out = append(out, o)
		}
	}
	return out
}

// searchMetric is the threshold-free metric a model search should rank
// candidates by, given the primary metric: a goal on recall, precision or
// F1 is met by choosing the decision threshold afterwards, so the search
// ranks by the rare class's precision-recall curve.
func searchMetric(task ProblemType, primary string) string {
	switch {
	case task == Binary && (primary == "recall" || primary == "precision" || primary == "f1"):
		return "pr_auc"
	case task == Regression && primary == "r2":
		return "rmse"
	case task == Multiclass && primary == "recall", task == Multiclass && primary == "precision":
		return "f1_macro"
	}
	return primary
}
