package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
)

// consult puts a decision the rules have scored to the pipeline's reasoner and returns a valid
// answer: the reasoner's when it passes reasoner.Validate (the schema, so a pick is one of the
// alternatives, and req.Check, so a named column exists), else the rules' own, recorded as
// "rules (fallback from NAME: WHY)". A reasoner.Guard already falls back the same way (and
// bounds the time); consult checks again so an unguarded reasoner cannot slip an invalid
// answer through. Only the end of ctx is an error.
func (p *Pipeline) consult(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	ans, err := p.reasoner.Decide(ctx, req)
	if err == nil {
		if err = reasoner.Validate(req, ans); err == nil {
			if ans.Reasoner == "" {
				ans.Reasoner = p.reasoner.Name()
			}
			return ans, nil
		}
	}
	if ctx.Err() != nil {
		return reasoner.Answer{}, ctx.Err()
	}
	fb, ferr := reasoner.Rules{}.Decide(ctx, req)
	if ferr != nil {
		return reasoner.Answer{}, fmt.Errorf("decide %s: %s failed (%v) and so did the rules: %w", req.Type, p.reasoner.Name(), err, ferr)
	}
	why := err.Error()
	if len(why) > 160 {
		why = why[:157] + "..."
	}
	fb.Reasoner = fmt.Sprintf("%s (fallback from %s: %s)", reasoner.RulesName, p.reasoner.Name(), why)
	return fb, nil
}

// byRules reports whether the rules made a decision (directly or as a fallback).
func byRules(ans reasoner.Answer) bool { return strings.HasPrefix(ans.Reasoner, reasoner.RulesName) }

// reasoned completes a decision the pipeline wrote for the chosen answer: the answer's value
// and reasoner, and, when a model decided, its reasoning and confidence (the rules' are the
// pipeline's own measured text and confidence, already in d).
func reasoned(d decision.Decision, ans reasoner.Answer) decision.Decision {
	d.Value = ans.Value
	d.Reasoner = ans.Reasoner
	if !byRules(ans) {
		d.Reasoning = ans.Reasoning
		d.Confidence = ans.Confidence
	}
	return d
}

// options turns scored alternatives into reasoner options.
func options(alts []decision.Alternative) []reasoner.Option {
	out := make([]reasoner.Option, 0, len(alts))
	for _, a := range alts {
		o := reasoner.Option{Value: a.Option}
		if a.Score != nil {
			o.Score = *a.Score
		}
		if a.Note != "" {
			o.Evidence = []string{a.Note}
		}
		out = append(out, o)
	}
	return out
}

// optionValues returns the values of alternatives, for an enum schema.
func optionValues(alts []decision.Alternative) []string {
	out := make([]string, len(alts))
	for i, a := range alts {
		out[i] = a.Option
	}
	return out
}

// subsetSchema is the schema of a list of distinct values among allowed.
func subsetSchema(description string, allowed []string) *reasoner.Schema {
	return &reasoner.Schema{Type: "array", Description: description, Items: reasoner.StringEnum("one of the candidates", allowed...)}
}

// checkSubset checks a JSON list of strings: no value twice, and at least min values.
func checkSubset(minLen int) func(json.RawMessage) error {
	return func(v json.RawMessage) error {
		var got []string
		if err := json.Unmarshal(v, &got); err != nil {
			return err
		}
		if len(got) < minLen {
			return fmt.Errorf("%d values, want at least %d", len(got), minLen)
		}
		seen := map[string]bool{}
		for _, g := range got {
			if seen[g] {
				return fmt.Errorf("%q is listed twice", g)
			}
			seen[g] = true
		}
		return nil
	}
}

// decodeSubset decodes a valid subset answer, ordered as allowed.
func decodeSubset(v json.RawMessage, allowed []string) []string {
	var got []string
	_ = json.Unmarshal(v, &got)
	var out []string
	for _, a := range allowed {
		if slices.Contains(got, a) {
			out = append(out, a)
		}
	}
	return out
}

// mustJSONValue encodes a plain value the pipeline built.
func mustJSONValue(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
