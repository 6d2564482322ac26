package reasoner_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/reasonertest"
)

// columnRequest asks for a target among three columns, like the analyzer does.
func columnRequest() reasoner.Request {
	cols := []string{"churn", "tenure", "contract"}
	return reasoner.Request{
		Type:     decision.TargetColumn,
		Question: "Which column should the model predict?",
		Facts:    map[string]any{"description": "predict churn", "columns": cols},
		Options: []reasoner.Option{
			{Value: "tenure", Score: 0.2, Evidence: []string{"numeric"}},
			{Value: "churn", Score: 0.9, Evidence: []string{"named in the description"}},
			{Value: "contract", Score: 0.3, Evidence: []string{"3 levels"}},
		},
		Schema: reasoner.StringEnum("column", cols...),
		Check: func(v json.RawMessage) error {
			s, err := reasoner.Choice(v)
			if err == nil && s == "contract" {
				return errors.New("contract is not allowed here")
			}
			return err
		},
	}
}

// TestRulesPicksBest: the rules pick the best-scored option, and their confidence is the
// chance that it rather than the runner-up suits, 0.9·0.7 / (0.9·0.7 + 0.3·0.1) = 0.955 for
// churn (0.9) over contract (0.3), where the margin read 0.6.
func TestRulesPicksBest(t *testing.T) {
	req := columnRequest()
	ans, err := reasoner.Rules{}.Decide(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reasoner.Choice(ans.Value); got != "churn" {
		t.Errorf("Rules.Decide choice = %q, want churn", got)
	}
	if ans.Confidence != 0.955 {
		t.Errorf("Rules.Decide confidence = %v, want 0.955 (0.9 over 0.3)", ans.Confidence)
	}
	if ans.Reasoner != "rules" {
		t.Errorf("Reasoner = %q, want rules", ans.Reasoner)
	}
	for _, want := range []string{`"churn"`, "named in the description", `"contract"`, "description", "columns", `rather than "contract"`} {
		if !strings.Contains(ans.Reasoning, want) {
			t.Errorf("reasoning %q does not mention %q", ans.Reasoning, want)
		}
	}
	if err := reasoner.Validate(req, ans); err != nil {
		t.Errorf("rules answer does not validate: %v", err)
	}
}

// TestRulesConfidence: a tie is a coin flip the reasoning names, a lone option is as sure as
// its score, and a choice between two options that both suit well is surer than the margin
// between them said.
func TestRulesConfidence(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []reasoner.Option
		want float64
		says string
	}{
		{"tie", []reasoner.Option{{Value: "b", Score: 0.5}, {Value: "a", Score: 0.5}}, 0.5, "coin flip"},
		{"alone", []reasoner.Option{{Value: "a", Score: 0.7}}, 0.7, ""},
		{"both suit", []reasoner.Option{{Value: "a", Score: 0.9}, {Value: "b", Score: 0.6}}, 0.857, "rather than"},
	} {
		ans, err := reasoner.Rules{}.Decide(context.Background(), reasoner.Request{Options: tc.opts})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Confidence != tc.want || !strings.Contains(ans.Reasoning, tc.says) {
			t.Errorf("%s: Rules.Decide confidence %v, reasoning %q; want %v, saying %q", tc.name, ans.Confidence, ans.Reasoning, tc.want, tc.says)
		}
	}
}

func TestRulesIgnoresOptionOrder(t *testing.T) {
	a := reasoner.Request{Options: []reasoner.Option{{Value: "b", Score: 0.5}, {Value: "a", Score: 0.5}}}
	b := reasoner.Request{Options: []reasoner.Option{{Value: "a", Score: 0.5}, {Value: "b", Score: 0.5}}}
	x, _ := reasoner.Rules{}.Decide(context.Background(), a)
	y, _ := reasoner.Rules{}.Decide(context.Background(), b)
	if string(x.Value) != string(y.Value) || x.Confidence != y.Confidence {
		t.Errorf("tied options: %s (conf %v) vs %s (conf %v), want the same pick and confidence", x.Value, x.Confidence, y.Value, y.Confidence)
	}
}

func TestRulesProposalAndNoRule(t *testing.T) {
	req := reasoner.Request{Type: decision.SuccessCriteria, Proposal: &reasoner.Proposal{
		Value: json.RawMessage(`[]`), Reasoning: "none stated", Confidence: 1.5}}
	ans, err := reasoner.Rules{}.Decide(context.Background(), req)
	if err != nil || string(ans.Value) != "[]" || ans.Confidence != 1 {
		t.Errorf("Rules.Decide(proposal) = %s, %v, %v; want [], confidence clamped to 1", ans.Value, ans.Confidence, err)
	}
	_, err = reasoner.Rules{}.Decide(context.Background(), reasoner.Request{Type: decision.Domain})
	if !errors.Is(err, reasoner.ErrNoRule) {
		t.Errorf("Rules.Decide(no options) error = %v, want ErrNoRule", err)
	}
}

func TestGuardFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		behavior reasonertest.Behavior
		why      string
	}{
		{"bad json", reasonertest.BadJSON, "not JSON"},
		{"out of schema", reasonertest.OutOfSchema, "want a string"},
		{"unknown column", reasonertest.UnknownValue, `"no_such_column_x" is not one of`},
		{"timeout", reasonertest.Hang, "no answer within"},
		{"error", reasonertest.Fail, "unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &reasonertest.LLM{Behavior: tc.behavior, Delay: 2 * time.Second}
			g := &reasoner.Guard{Primary: fake, Fallback: reasoner.Rules{}, Timeout: 50 * time.Millisecond}
			start := time.Now()
			ans, err := g.Decide(context.Background(), columnRequest())
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el > time.Second {
				t.Errorf("Decide took %v with a 50ms timeout", el)
			}
			if got, _ := reasoner.Choice(ans.Value); got != "churn" {
				t.Errorf("fallback choice = %q, want churn", got)
			}
			if !strings.HasPrefix(ans.Reasoner, "rules (fallback from fake-llm: ") || !strings.Contains(ans.Reasoner, tc.why) {
				t.Errorf("Reasoner = %q, want rules (fallback from fake-llm: ...%s...)", ans.Reasoner, tc.why)
			}
			if fake.Calls() != 1 {
				t.Errorf("fake called %d times, want 1", fake.Calls())
			}
		})
	}
}

// rogue answers a fixed choice: an existing column the data check rejects.
type rogue struct{}

func (rogue) Name() string { return "rogue" }
func (rogue) Decide(context.Context, reasoner.Request) (reasoner.Answer, error) {
	return reasoner.Answer{Value: json.RawMessage(`"contract"`), Reasoning: "feels right", Confidence: 0.99}, nil
}

func TestGuardChecksData(t *testing.T) {
	ans, err := reasoner.NewGuard(rogue{}).Decide(context.Background(), columnRequest())
	if err != nil {
		t.Fatal(err)
	}
	if want := "rules (fallback from rogue: contract is not allowed here)"; ans.Reasoner != want {
		t.Errorf("Reasoner = %q, want %q", ans.Reasoner, want)
	}
}

func TestGuardKeepsGoodAnswer(t *testing.T) {
	fake := &reasonertest.LLM{Label: "gemini"}
	ans, err := reasoner.NewGuard(fake).Decide(context.Background(), columnRequest())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reasoner.Choice(ans.Value); got != "churn" || ans.Reasoner != "gemini" {
		t.Errorf("Decide = %s by %q, want churn by gemini", ans.Value, ans.Reasoner)
	}
}

func TestGuardCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fake := &reasonertest.LLM{Behavior: reasonertest.Hang, Delay: time.Second}
	g := &reasoner.Guard{Primary: fake, Fallback: reasoner.Rules{}, Timeout: 10 * time.Second}
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := g.Decide(ctx, columnRequest())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Decide after the caller cancelled: error = %v, want context.Canceled (no fallback)", err)
	}
}

func TestSchemaValidate(t *testing.T) {
	s := &reasoner.Schema{Type: "array", Items: &reasoner.Schema{Type: "object", Required: []string{"metric", "threshold"},
		Properties: map[string]*reasoner.Schema{
			"metric":    reasoner.StringEnum("", "recall", "precision"),
			"threshold": {Type: "number", Minimum: reasoner.Bound(0), Maximum: reasoner.Bound(1)},
			"n":         {Type: "integer"},
			"ok":        {Type: "boolean"},
		}}}
	for _, tc := range []struct {
		doc  string
		want string // "" for valid
	}{
		{`[]`, ""},
		{`[{"metric":"recall","threshold":0.9,"n":3,"ok":true}]`, ""},
		{`[{"metric":"recall"}]`, `$[0]: missing field "threshold"`},
		{`[{"metric":"auc","threshold":0.9}]`, `$[0].metric: "auc" is not one of`},
		{`[{"metric":"recall","threshold":1.5}]`, "above the maximum"},
		{`[{"metric":"recall","threshold":"0.9"}]`, "want a number, got a string"},
		{`[{"metric":"recall","threshold":0.9,"extra":1}]`, `unexpected field "extra"`},
		{`[{"metric":"recall","threshold":0.9,"n":1.5}]`, "want an integer"},
		{`{"metric":"recall"}`, "want an array, got an object"},
		{`[] []`, "trailing data"},
		{`[`, "not JSON"},
	} {
		err := s.Validate(json.RawMessage(tc.doc))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tc.want == "") != (err == nil) || !strings.Contains(got, tc.want) {
			t.Errorf("Validate(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

func TestRecord(t *testing.T) {
	req := columnRequest()
	ans, _ := reasoner.Rules{}.Decide(context.Background(), req)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d := reasoner.Record(req, ans, "predict column churn", now)
	var opts []string
	for _, a := range d.Alternatives {
		opts = append(opts, a.Option)
	}
	if diff := cmp.Diff([]string{"churn", "contract", "tenure"}, opts); diff != "" {
		t.Errorf("alternatives, best first (-want +got):\n%s", diff)
	}
	if d.Type != decision.TargetColumn || d.Reasoner != "rules" || !d.Time.Equal(now) || d.Evidence["description"] != "predict churn" {
		t.Errorf("Record = %+v", d)
	}
	// The rules' confidence is the one the recorded alternatives give.
	if want := decision.SuitConfidence(d.Alternatives); math.Abs(d.Confidence-want) > 5e-4 {
		t.Errorf("recorded confidence %v, SuitConfidence of its alternatives %v", d.Confidence, want)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Errorf("decision does not marshal: %v", err)
	}
	// Evidence holds plain JSON values only, ready for structpb.NewStruct.
	if diff := cmp.Diff([]any{"churn", "tenure", "contract"}, d.Evidence["columns"]); diff != "" {
		t.Errorf("evidence columns (-want +got):\n%s", diff)
	}
}
