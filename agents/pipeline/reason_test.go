package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/reasonertest"
)

// TestConsultValidatesUnguardedReasoners: an answer outside the alternatives from a reasoner
// that no Guard checks is still replaced by the rules' answer, and the fallback is recorded.
func TestConsultValidatesUnguardedReasoners(t *testing.T) {
	req := reasoner.Request{
		Type:     typeBudget,
		Question: "How long?",
		Options:  []reasoner.Option{{Value: "20s", Score: 0.7}, {Value: "10s", Score: 0.4}},
		Schema:   reasoner.StringEnum("budget", "20s", "10s"),
	}
	for _, b := range []reasonertest.Behavior{reasonertest.UnknownValue, reasonertest.BadJSON, reasonertest.OutOfSchema, reasonertest.Fail} {
		p := New(Deps{Reasoner: &reasonertest.LLM{Behavior: b}}, Options{})
		ans, err := p.consult(context.Background(), req)
		if err != nil {
			t.Fatalf("consult(behavior %d) = %v", b, err)
		}
		if string(ans.Value) != `"20s"` || !strings.HasPrefix(ans.Reasoner, "rules (fallback from fake-llm: ") {
			t.Errorf("consult(behavior %d) = %s by %q, want the rules' \"20s\" recorded as a fallback", b, ans.Value, ans.Reasoner)
		}
	}
	p := New(Deps{Reasoner: &reasonertest.LLM{}}, Options{})
	if ans, err := p.consult(context.Background(), req); err != nil || ans.Reasoner != "fake-llm" {
		t.Errorf("consult(well-behaved) = %+v, %v; want the model's answer", ans, err)
	}
}
