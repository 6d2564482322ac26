// Package llmtest has what the tests of the model-backed reasoners share: a decision request
// like the analyzer's and the checks of a guarded fallback.
package llmtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
)

// Columns are the columns ColumnRequest offers.
var Columns = []string{"churn", "months_active", "plan_length"}

// ColumnRequest asks for the target among Columns, as the analyzer does; the rules pick churn.
func ColumnRequest() reasoner.Request {
	return reasoner.Request{
		Type:     decision.TargetColumn,
		Question: "Which column should the model predict?",
		Facts:    map[string]any{"description": "predict which customers will leave", "columns": Columns},
		Options: []reasoner.Option{
			{Value: "months_active", Score: 0.2, Evidence: []string{"numeric"}},
			{Value: "churn", Score: 0.9, Evidence: []string{"yes/no outcome"}},
			{Value: "plan_length", Score: 0.3, Evidence: []string{"3 levels"}},
		},
		Schema: reasoner.StringEnum("column", Columns...),
	}
}

// WantFallback fails t unless ans came from the rules as a fallback from primary and the
// reason contains why.
func WantFallback(t *testing.T, ans reasoner.Answer, err error, primary, why string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Decide = %v, want a fallback answer", err)
	}
	prefix := reasoner.RulesName + " (fallback from " + primary + ": "
	if !strings.HasPrefix(ans.Reasoner, prefix) || !strings.Contains(ans.Reasoner, why) {
		t.Errorf("Reasoner = %q, want %q...%q...", ans.Reasoner, prefix, why)
	}
	var v string
	if json.Unmarshal(ans.Value, &v) != nil || v != "churn" {
		t.Errorf("fallback value = %s, want the rules' \"churn\"", ans.Value)
	}
}
