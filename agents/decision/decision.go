// Package decision holds the record of one choice an agent made: what was
// decided, the alternatives weighed with their scores, the measured evidence,
// the reasoning, the confidence and which reasoner made it.
//
// The types are plain Go structs that mirror the API's AuditEntry and
// Alternative messages field for field, so the agents stay free of generated
// code; the layer that persists decisions maps them (Type to DecisionType,
// Evidence to a protobuf Struct). A Decision knows nothing of stages: the
// orchestrator that runs a stage stamps it.
package decision

import (
	"encoding/json"
	"time"
)

// Type names the kind of choice. The values are the suffixes of the API's
// DecisionType enum in lower case ("target_column" for
// DECISION_TYPE_TARGET_COLUMN).
type Type string

// The decision types the agents make so far.
const (
	// ProblemType is the learning task: binary, multiclass or regression.
	ProblemType Type = "problem_type"
	// TargetColumn is the column to predict.
	TargetColumn Type = "target_column"
	// Domain is the field the problem comes from.
	Domain Type = "domain"
	// Metric is the metric to optimize (and the ones reported next to it).
	Metric Type = "metric"
	// SuccessCriteria are the measurable goals read from the description.
	SuccessCriteria Type = "success_criteria"
)

// Alternative is one option a decision weighed.
type Alternative struct {
	// Option is the option as the decision names it (a column, a task, a metric).
	Option string `json:"option"`
	// Score is its score on the decision's scale, nil when it has none.
	Score *float64 `json:"score,omitempty"`
	// Note says in a few words what the score rests on.
	Note string `json:"note,omitempty"`
}

// Decision is one recorded choice, ready to persist as an audit entry.
type Decision struct {
	// Type is the kind of decision.
	Type Type `json:"type"`
	// Decision states the choice in words, e.g. "predict column churn".
	Decision string `json:"decision"`
	// Value is the choice as the reasoner answered it (JSON valid against
	// the decision's schema).
	Value json.RawMessage `json:"value"`
	// Alternatives are the options weighed, best first.
	Alternatives []Alternative `json:"alternatives,omitempty"`
	// Evidence holds the measured facts the decision rests on; a JSON object.
	Evidence map[string]any `json:"evidence,omitempty"`
	// Reasoning explains the choice in words.
	Reasoning string `json:"reasoning"`
	// Confidence is the chance, 0 to 1, that the choice is the better of it
	// and its closest rival: 0.5 a tie a rule broke, near 1 a clear choice
	// (SuitConfidence reads it so from suitability scores).
	Confidence float64 `json:"confidence"`
	// Reasoner names what made the decision: "rules", or
	// "rules (fallback from gemini: ...)" when another reasoner failed.
	Reasoner string `json:"reasoner"`
	// Time is when the decision was made.
	Time time.Time `json:"time"`
}

// Score returns a pointer to s, for Alternative.Score.
func Score(s float64) *float64 { return &s }
