package reasoner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Reply is the JSON object a model-backed reasoner must answer with: the
// decision's value, the reasoning and a confidence.
type Reply struct {
	// Value is the decision, valid against the request's schema.
	Value json.RawMessage `json:"value"`
	// Reasoning says why, in a few sentences.
	Reasoning string `json:"reasoning"`
	// Confidence is 0 to 1, read as confidenceMeaning says.
	Confidence float64 `json:"confidence"`
}

// confidenceMeaning tells a model what its confidence means: the reading the
// rules give theirs (decision.SuitConfidence), which the thresholds acting on
// a confidence, such as the analysis's for approval, assume.
const confidenceMeaning = "the chance that the value is a better choice than the closest alternative: 0.5 a toss-up, near 1 a clear choice"

// ReplySchema returns the schema of a Reply to req, with the request's own
// schema for the value, for APIs that constrain output to a schema.
func ReplySchema(req Request) *Schema {
	value := req.Schema
	if value == nil {
		value = &Schema{Type: "string"}
	}
	return &Schema{Type: "object", Required: []string{"value", "reasoning", "confidence"},
		Properties: map[string]*Schema{
			"value":      value,
			"reasoning":  {Type: "string", Description: "why, citing the facts"},
			"confidence": {Type: "number", Minimum: Bound(0), Maximum: Bound(1), Description: confidenceMeaning},
		}}
}

// Prompt renders a request for a language model: the question, the facts,
// the options the rules scored with their evidence, and the reply format.
// It is deterministic, so the same request always reads the same.
func Prompt(req Request) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "You are deciding one step of a machine-learning project (%s).\n", req.Type)
	fmt.Fprintf(&b, "Question: %s\n\n", req.Question)
	if len(req.Facts) > 0 {
		facts, err := json.MarshalIndent(req.Facts, "", "  ")
		if err != nil {
			return "", fmt.Errorf("facts: %w", err)
		}
		fmt.Fprintf(&b, "Facts measured on the data (JSON):\n%s\n\n", facts)
	}
	if len(req.Options) > 0 {
		b.WriteString("Options scored by the built-in rules (0 = no evidence, 1 = conclusive):\n")
		for _, o := range sortedOptions(req.Options) {
			fmt.Fprintf(&b, "- %q score %.2f", o.Value, o.Score)
			if len(o.Evidence) > 0 {
				fmt.Fprintf(&b, ": %s", strings.Join(o.Evidence, "; "))
			}
			b.WriteString("\n")
		}
		b.WriteString("You may pick another valid value if the facts support it.\n\n")
	}
	if req.Proposal != nil {
		fmt.Fprintf(&b, "The built-in rules propose: %s (%s)\n\n", req.Proposal.Value, req.Proposal.Reasoning)
	}
	schema, err := json.Marshal(ReplySchema(req))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "Answer with one JSON object and nothing else, valid against this JSON Schema:\n%s\n", schema)
	return b.String(), nil
}

// ParseReply decodes a model's reply text into an Answer from the reasoner
// named name. A Markdown code fence around the JSON is tolerated; anything
// else that is not a Reply is an error wrapping ErrInvalidAnswer. The value
// is not checked against the request here; Guard does that.
func ParseReply(name string, text []byte) (Answer, error) {
	t := bytes.TrimSpace(text)
	if bytes.HasPrefix(t, []byte("```")) {
		t = bytes.TrimPrefix(t, []byte("```json"))
		t = bytes.TrimPrefix(t, []byte("```"))
		t = bytes.TrimSuffix(bytes.TrimSpace(t), []byte("```"))
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.DisallowUnknownFields()
	var r Reply
	if err := dec.Decode(&r); err != nil {
		return Answer{}, fmt.Errorf("reply is not JSON of the reply format (%v): %w", err, ErrInvalidAnswer)
	}
	if dec.More() {
		return Answer{}, fmt.Errorf("reply has text after the JSON object: %w", ErrInvalidAnswer)
	}
	if len(r.Value) == 0 {
		return Answer{}, fmt.Errorf("reply has no value: %w", ErrInvalidAnswer)
	}
	return Answer{Value: r.Value, Reasoning: r.Reasoning, Confidence: r.Confidence, Reasoner: name}, nil
}
