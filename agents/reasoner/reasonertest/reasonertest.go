// Package reasonertest provides a fake language-model reasoner for tests:
// one that misbehaves in the ways a real model can (malformed JSON, an answer
// outside the schema, a column that does not exist, no answer in time), so
// tests can check that the agents fall back to the rules and record it.
package reasonertest

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// Behavior is how the fake answers.
type Behavior int

// The behaviors.
const (
	// Echo answers what the rules would, under the fake's name: a well-behaved model.
	Echo Behavior = iota
	// BadJSON answers text that is not JSON.
	BadJSON
	// OutOfSchema answers JSON of the wrong shape (an object where a string
	// is wanted, or a string where an object is wanted).
	OutOfSchema
	// UnknownValue answers a string that is not among the options, such as
	// a column the data does not have.
	UnknownValue
	// Hang sleeps for Delay ignoring its context, then answers like Echo.
	Hang
	// Fail returns an error, as an unreachable API would.
	Fail
)

// LLM is a fake model-backed reasoner.
type LLM struct {
	// Label is the reasoner's name; "fake-llm" when empty.
	Label string
	// Behavior is how it answers.
	Behavior Behavior
	// Delay is how long Hang sleeps.
	Delay time.Duration
	// calls counts Decide calls.
	calls atomic.Int64
}

// Name returns the label.
func (f *LLM) Name() string {
	if f.Label == "" {
		return "fake-llm"
	}
	return f.Label
}

// Calls reports how many decisions the fake was asked for.
func (f *LLM) Calls() int { return int(f.calls.Load()) }

// Decide answers according to Behavior.
func (f *LLM) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	f.calls.Add(1)
	bad := func(v string) (reasoner.Answer, error) {
		return reasoner.Answer{Value: json.RawMessage(v), Reasoning: "the model said so", Confidence: 0.9, Reasoner: f.Name()}, nil
	}
	switch f.Behavior {
	case BadJSON:
		return bad(`{"choice": "`)
	case OutOfSchema:
		if len(req.Options) > 0 {
			return bad(`{"choice": 1}`)
		}
		return bad(`"everything"`)
	case UnknownValue:
		if len(req.Options) > 0 {
			return bad(`"no_such_column_x"`)
		}
		return bad(`"no_such_column_x"`)
	case Hang:
		time.Sleep(f.Delay)
	case Fail:
		return reasoner.Answer{}, errors.New("model service unavailable")
	}
	ans, err := reasoner.Rules{}.Decide(ctx, req)
	ans.Reasoner = f.Name()
	return ans, err
}
