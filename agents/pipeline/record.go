package pipeline

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/internal/store"
)

// The decision types the pipeline's agents make besides the analyzer's; the values are the
// suffixes of the API's DecisionType enum in lower case.
const (
	typeDropColumn      decision.Type = "drop_column"
	typeImputation      decision.Type = "imputation"
	typeEncoding        decision.Type = "encoding"
	typeSplit           decision.Type = "split"
	typeLabeling        decision.Type = "labeling"
	typeModelFamily     decision.Type = "model_family"
	typeHyperparameters decision.Type = "hyperparameters"
	typeBudget          decision.Type = "budget"
	typeApproval        decision.Type = "approval"
	typeModelChoice     decision.Type = "model_choice"
	typeThreshold       decision.Type = "threshold"
	typeIteration       decision.Type = "iteration"
	typeDeployment      decision.Type = "deployment"
	typeRecovery        decision.Type = "recovery"
	typeClassBalance    decision.Type = "class_balance"
	typeCalibration     decision.Type = "calibration"
)

// auditEntry turns a decision into the store's audit entry for a stage.
func auditEntry(stage store.Stage, d decision.Decision) store.NewAuditEntry {
	e := store.NewAuditEntry{
		Stage: stage, DecisionType: string(d.Type), Decision: d.Decision,
		Reasoning: d.Reasoning, Confidence: clamp01(d.Confidence), Reasoner: d.Reasoner,
	}
	if e.Reasoner == "" {
		e.Reasoner = "rules"
	}
	if len(d.Alternatives) > 0 {
		e.Alternatives = mustJSON(d.Alternatives)
	}
	if len(d.Evidence) > 0 {
		e.Evidence = mustJSON(sanitize(d.Evidence))
	}
	return e
}

// sanitize replaces values JSON cannot hold (NaN, ±Inf) with nil, recursively.
func sanitize(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = sanitize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sanitize(e)
		}
		return out
	}
	return v
}

// mustJSON marshals v, which the pipeline builds from plain data; a failure is a bug, kept
// visible in the document.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": fmt.Sprintf("unencodable: %v", err)})
	}
	return b
}

func clamp01(v float64) float64 {
	if !(v >= 0) {
		return 0
	}
	return math.Min(v, 1)
}

// round3 rounds to 3 decimals for evidence and messages.
func round3(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1000) / 1000
}

// alt builds an alternative with a score.
func alt(option string, score float64, note string) decision.Alternative {
	return decision.Alternative{Option: option, Score: decision.Score(round3(score)), Note: note}
}
