// Package reasoner is the seam between the agents and whatever makes their
// decisions.
//
// An agent measures what it can (column statistics, words of the
// description), turns the measurements into a Request — the decision to make,
// the facts, the options it scored and a JSON schema for the answer — and asks
// a Reasoner. The embedded Rules reasoner answers deterministically from the
// scored options and says what it looked at. Other reasoners (an LLM behind an
// API) plug in through Guard, which checks every answer against the schema and
// the data and falls back to the rules when an answer is invalid, names
// something that does not exist, or comes too late; the fallback is recorded
// in the answer's Reasoner field.
package reasoner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
)

// Reasoner makes one decision.
type Reasoner interface {
	// Name identifies the reasoner in audit entries ("rules", "gemini").
	Name() string
	// Decide answers req. The answer's Value must be valid against req.Schema.
	Decide(ctx context.Context, req Request) (Answer, error)
}

// Option is one possible answer that the asking agent scored from its own
// measurements.
type Option struct {
	// Value is the option as the answer names it (a column name, a task).
	Value string `json:"value"`
	// Score is the strength of the evidence for it, 0 (none) to 1 (conclusive).
	Score float64 `json:"score"`
	// Evidence says, in short phrases, what the score rests on.
	Evidence []string `json:"evidence,omitempty"`
}

// Proposal is an answer the asking agent derived by its own rules, for
// decisions whose answer is a structure rather than a pick among options
// (the success criteria read from a description).
type Proposal struct {
	// Value is the proposed answer, valid against the request's schema.
	Value json.RawMessage
	// Reasoning says how the rules reached it.
	Reasoning string
	// Confidence is how sure the rules are, 0 to 1.
	Confidence float64
}

// Request is one decision to make.
type Request struct {
	// Type is the kind of decision.
	Type decision.Type
	// Question asks for the decision in words, for reasoners that read.
	Question string
	// Facts are the measured facts, JSON-serializable; they become the
	// decision's evidence.
	Facts map[string]any
	// Options are the scored candidates when the answer is a pick among
	// them; the answer is then one Value as a JSON string.
	Options []Option
	// Proposal is the rules' own answer when the answer is a structure.
	Proposal *Proposal
	// Schema describes a valid answer Value.
	Schema *Schema
	// Check validates an answer against the data beyond the schema (a named
	// column must exist, a label must be one of the target's classes); nil
	// for none.
	Check func(value json.RawMessage) error
}

// Answer is a reasoner's decision.
type Answer struct {
	// Value is the decision as JSON, valid against the request's schema.
	Value json.RawMessage
	// Reasoning explains it in words.
	Reasoning string
	// Confidence is 0 to 1.
	Confidence float64
	// Reasoner names what made it; set by the reasoner (and rewritten by
	// Guard on a fallback).
	Reasoner string
}

// ErrInvalidAnswer reports an answer that fails the schema, the data check or
// the basic shape (confidence outside 0..1, no reasoning).
var ErrInvalidAnswer = errors.New("invalid answer")

// Validate checks an answer against the request: well-formed JSON valid
// against the schema, a confidence in 0..1, some reasoning, and the request's
// data check. Errors wrap ErrInvalidAnswer.
func Validate(req Request, ans Answer) error {
	if !json.Valid(ans.Value) {
		return fmt.Errorf("answer is not JSON (%.40q): %w", ans.Value, ErrInvalidAnswer)
	}
	if req.Schema != nil {
		if err := req.Schema.Validate(ans.Value); err != nil {
			return fmt.Errorf("answer out of schema: %v: %w", err, ErrInvalidAnswer)
		}
	}
	if !(ans.Confidence >= 0 && ans.Confidence <= 1) {
		return fmt.Errorf("confidence %v outside 0..1: %w", ans.Confidence, ErrInvalidAnswer)
	}
	if strings.TrimSpace(ans.Reasoning) == "" {
		return fmt.Errorf("answer gives no reasoning: %w", ErrInvalidAnswer)
	}
	if req.Check != nil {
		if err := req.Check(ans.Value); err != nil {
			return fmt.Errorf("%v: %w", err, ErrInvalidAnswer)
		}
	}
	return nil
}

// Choice decodes an answer Value that is a JSON string (the answer to a
// request with Options).
func Choice(value json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return "", fmt.Errorf("answer is not a string: %w", err)
	}
	return s, nil
}

// Record turns a request and its answer into a Decision: the options become
// the alternatives (best first, as scored by the asking agent), the facts the
// evidence. summary states the choice in words. The evidence is normalized
// to plain JSON values (map[string]any, []any, string, float64, bool, nil),
// so it converts to a protobuf Struct as it is.
func Record(req Request, ans Answer, summary string, now time.Time) decision.Decision {
	d := decision.Decision{
		Type:       req.Type,
		Decision:   summary,
		Value:      ans.Value,
		Evidence:   plainJSON(req.Facts),
		Reasoning:  ans.Reasoning,
		Confidence: ans.Confidence,
		Reasoner:   ans.Reasoner,
		Time:       now,
	}
	d.Alternatives = alternatives(sortedOptions(req.Options))
	return d
}

// alternatives records options, in their order, as a decision's alternatives
// with their scores rounded to 3 decimals.
func alternatives(opts []Option) []decision.Alternative {
	var out []decision.Alternative
	for _, o := range opts {
		out = append(out, decision.Alternative{
			Option: o.Value, Score: decision.Score(round3(o.Score)), Note: strings.Join(o.Evidence, "; "),
		})
	}
	return out
}

// plainJSON round-trips facts through JSON; facts that do not marshal are
// replaced by a note saying why.
func plainJSON(facts map[string]any) map[string]any {
	if facts == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(facts)
	if err != nil {
		return map[string]any{"unrecorded": err.Error()}
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return map[string]any{"unrecorded": err.Error()}
	}
	return out
}
