package analyze

import (
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// imbalanced is the minority share below which a binary problem counts as
// imbalanced (a majority/minority ratio of 2.5 or more).
const imbalanced = 1 / 3.5

// goalSuits is the score of the first metric the description sets a goal on.
const goalSuits = 0.95

// metricOptions scores the metrics for a task, given the share of the
// rarest class and the number of classes. A metric the success criteria
// name comes first; the others follow by how well they suit the task.
//
// A score is the chance that its metric suits as the primary one, which the
// search ranks models by and the report leads with, so the decision's
// confidence says how clearly the rule's pick beats the next metric
// (decision.SuitConfidence). A primary metric suits when it judges the whole
// model rather than one decision threshold, reads the same whatever the class
// balance, and is steady on a validation split:
//
//   - imbalanced binary: ROC AUC meets all three (0.9). PR AUC follows the
//     rare class, but its chance level is that class's share and it is
//     noisy with few positives, so it is reported beside it (0.65). F1 holds
//     at one threshold (0.5), log loss rewards calibration more than ranking
//     (0.4), accuracy hides the rare class (0.3).
//   - balanced binary: ROC AUC (0.9); accuracy reads well but holds at one
//     threshold (0.6), then F1 and log loss.
//   - multiclass: accuracy, easy to read (0.85), over macro F1 (0.75); when a
//     class is rare (under a quarter of its even share) accuracy hides it, so
//     macro F1 leads (0.9) and accuracy drops (0.65).
//   - regression: RMSE in the target's unit (0.85), MAE when outliers should
//     weigh less (0.75), R² without a unit (0.65).
//
// A goal the description sets suits nearly surely (0.95), each later goal a
// hair less (0.94, ...), so that the first stated leads and the choice among
// the user's own goals reads as the near tie it is; the other metrics keep
// 0.6 of their scores below them.
func metricOptions(task ProblemType, minority float64, classes int, criteria []SuccessCriterion) []reasoner.Option {
	var base []reasoner.Option
	opt := func(name string, score float64, why ...string) {
		base = append(base, reasoner.Option{Value: name, Score: score, Evidence: why})
	}
	switch task {
	case Binary:
		if minority < imbalanced {
			why := fmt.Sprintf("the rarer class is %.0f%% of rows", 100*minority)
			opt("roc_auc", 0.9, "ranks positives above negatives whatever the threshold and the class balance; "+why)
			opt("pr_auc", 0.65, "focuses on the rare class, but its chance level is the rare class's share; "+why)
			opt("f1", 0.5, "balances precision and recall on the rare class at one threshold")
			opt("accuracy", 0.3, "misleading when one class dominates; "+why)
			opt("logloss", 0.4, "rewards calibrated probabilities")
		} else {
			opt("roc_auc", 0.9, fmt.Sprintf("threshold-free ranking quality; classes are balanced enough (rarer %.0f%%)", 100*minority))
			opt("accuracy", 0.6, "easy to read with balanced classes")
			opt("f1", 0.55, "balances precision and recall")
			opt("logloss", 0.5, "rewards calibrated probabilities")
		}
	case Multiclass:
		const accuracy, macro = "share of correct classes, easy to read", "weighs every class equally"
		if minority > 0 && minority*float64(classes) < 0.25 {
			rare := fmt.Sprintf("the rarest class is %.1f%% of rows, under a quarter of its even share", 100*minority)
			opt("accuracy", 0.65, accuracy, "hides the rare class: "+rare)
			opt("f1_macro", 0.9, macro, rare)
		} else {
			opt("accuracy", 0.85, accuracy)
			opt("f1_macro", 0.75, macro)
		}
		opt("logloss", 0.6, "rewards calibrated probabilities")
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
		out = append(out, reasoner.Option{Value: c.Metric, Score: goalSuits - 0.01*float64(i),
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
