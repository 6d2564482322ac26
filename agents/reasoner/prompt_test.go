package reasoner_test

import (
	"strings"
	"testing"

	"github.com/trainyard/trainyard/agents/reasoner"
)

func TestPrompt(t *testing.T) {
	p, err := reasoner.Prompt(columnRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"(target_column)", "Question: Which column should the model predict?",
		`"description": "predict churn"`,
		`- "churn" score 0.90: named in the description`,
		`"required":["value","reasoning","confidence"]`, `"enum":["churn","tenure","contract"]`,
	} {
		if !strings.Contains(p, want) {
			t.Errorf("Prompt() lacks %q:\n%s", want, p)
		}
	}
	if strings.Index(p, `"churn" score`) > strings.Index(p, `"contract" score`) {
		t.Errorf("options are not listed best first:\n%s", p)
	}
	again, _ := reasoner.Prompt(columnRequest())
	if again != p {
		t.Error("Prompt is not deterministic")
	}
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		text, value, err string
	}{
		{`{"value": "churn", "reasoning": "named", "confidence": 0.8}`, `"churn"`, ""},
		{"```json\n{\"value\": [1], \"reasoning\": \"r\", \"confidence\": 1}\n```", `[1]`, ""},
		{`{"value": "churn", "reasoning": "named", "confidence": 0.8} and more`, "", "text after the JSON"},
		{`{"answer": "churn"}`, "", "unknown field"},
		{`{"reasoning": "r", "confidence": 0.5}`, "", "no value"},
		{`I think churn`, "", "not JSON"},
	} {
		ans, err := reasoner.ParseReply("m", []byte(tc.text))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseReply(%q) error %v", tc.text, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseReply(%q) error = %v, want %q", tc.text, err, tc.err)
		case tc.err == "" && (string(ans.Value) != tc.value || ans.Reasoner != "m"):
			t.Errorf("ParseReply(%q) = %s by %q, want %s by m", tc.text, ans.Value, ans.Reasoner, tc.value)
		}
	}
}
