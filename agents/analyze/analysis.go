package analyze

import (
	"github.com/trainyard/trainyard/agents/decision"
)

// ProblemType is the learning task.
type ProblemType string

// The problem types; they map to the API's PROBLEM_TYPE_* values.
const (
	// Binary is classification into two classes.
	Binary ProblemType = "binary"
	// Multiclass is classification into three or more classes.
	Multiclass ProblemType = "multiclass"
	// Regression predicts a number.
	Regression ProblemType = "regression"
	// ObjectDetection finds labeled boxes around objects in images.
	ObjectDetection ProblemType = "object_detection"
)

// ReviewBelow is the confidence under which an analysis should be shown to
// a person before training, even when no approval was asked for. It is what
// 0.6 over 0.4 gives (decision.SuitedOver): a margin of 0.2 between middling
// scores, where this threshold sat when a confidence was that margin; a
// margin that wide between higher or lower scores reads surer and clears it.
const ReviewBelow = 0.69

// NeedsReview reports whether the analysis is unsure enough that a person
// should confirm the target and the task.
func (a *Analysis) NeedsReview() bool { return a.Confidence < ReviewBelow }

// SuccessCriterion is a measurable goal read from the description; it
// mirrors the API's SuccessCriterion.
type SuccessCriterion struct {
	// Metric is the metric's short name ("recall", "accuracy", "rmse").
	Metric string `json:"metric"`
	// Threshold is the bound, on the metric's own scale (0.9 for 90%).
	Threshold float64 `json:"threshold"`
	// AtLeast is true when the metric must reach the threshold from above
	// (recall ≥ 0.9), false when it must stay below it (rmse ≤ 20000).
	AtLeast bool `json:"at_least"`
	// ClassLabel is the class a per-class metric refers to, "" for none.
	ClassLabel string `json:"class_label,omitempty"`
	// Text is the words it came from.
	Text string `json:"text"`
}

// Candidate is one column weighed as the target.
type Candidate struct {
	// Column is the column's name.
	Column string `json:"column"`
	// Score is the evidence for it, 0 to 1.
	Score float64 `json:"score"`
	// Evidence says what the score rests on.
	Evidence []string `json:"evidence,omitempty"`
}

// Analysis is what the ProblemAnalyzer decided; it mirrors the API's
// ProblemAnalysis, plus the candidates and the decisions behind it.
type Analysis struct {
	// ProblemType is the learning task.
	ProblemType ProblemType `json:"problem_type"`
	// TargetColumn is the column to predict.
	TargetColumn string `json:"target_column"`
	// Domain is the field the problem comes from ("telecom", "general").
	Domain string `json:"domain"`
	// Metrics are the metrics to optimize, most important first.
	Metrics []string `json:"metrics"`
	// SearchMetric is the threshold-free metric a model search should rank
	// candidates by; it differs from Metrics[0] when the goal is on recall,
	// precision or F1, which the decision threshold then meets.
	SearchMetric string `json:"search_metric"`
	// SuccessCriteria are the goals the description states.
	SuccessCriteria []SuccessCriterion `json:"success_criteria,omitempty"`
	// PositiveClass is the class of interest of a binary problem ("Yes" for
	// churners); "" otherwise.
	PositiveClass string `json:"positive_class,omitempty"`
	// Unlabeled counts the sample's rows whose target is missing; the
	// labeling stage is needed when it is not zero.
	Unlabeled int `json:"unlabeled"`
	// DataType is "tabular", "text" (the main input is free text), "image"
	// (a list of image files with labels) or "multimodal".
	DataType string `json:"data_type"`
	// Complexity is how hard the problem looks, 0 (trivial) to 1 (hard).
	Complexity float64 `json:"complexity"`
	// Reasoning summarizes how the analysis was reached.
	Reasoning string `json:"reasoning"`
	// Confidence is the lower of the target's and the problem type's
	// confidences, each the chance that the choice rather than the runner-up
	// is the one that suits (0.5 a tie); a low value means a person should
	// check the plan.
	Confidence float64 `json:"confidence"`
	// Candidates are the columns weighed as the target, best first.
	Candidates []Candidate `json:"candidates"`
	// Decisions are the decisions made, in order, ready to record.
	Decisions []decision.Decision `json:"decisions"`
}
