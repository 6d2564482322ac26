// Package reasonertest provides a fake language-model reasoner for tests:
// one that goes through the same prompt and reply path as a real model
// (reasoner.Prompt, reasoner.ParseReply) and misbehaves in the ways a real
// model can — text that is not JSON, an answer outside the schema, a column
// that does not exist, no answer in time, an unreachable service — so tests
// can check that the agents fall back to the rules and record it.
package reasonertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// Behavior is how the fake answers.
type Behavior int

// The behaviors.
const (
	// Echo answers what the rules would: a well-behaved model.
	Echo Behavior = iota
	// BadJSON answers text that is not JSON.
	BadJSON
	// OutOfSchema answers a value of the wrong shape (an object where a
	// string is wanted, a string where an array is wanted).
	OutOfSchema
	// UnknownValue answers a string that is not among the allowed values,
	// such as a column the data does not have (a list holding it when the
	// answer is a list).
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

	mu      sync.Mutex
	prompts []string
}

// Name returns the label.
func (f *LLM) Name() string {
	if f.Label == "" {
		return "fake-llm"
	}
	return f.Label
}

// Prompts returns the prompts the fake was sent, in order.
func (f *LLM) Prompts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.prompts...)
}

// Calls reports how many decisions the fake was asked for.
func (f *LLM) Calls() int { return len(f.Prompts()) }

// Decide renders the prompt, makes up a reply according to Behavior and
// parses it as a real model's reply would be parsed.
func (f *LLM) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	prompt, err := reasoner.Prompt(req)
	if err != nil {
		return reasoner.Answer{}, err
	}
	f.mu.Lock()
	f.prompts = append(f.prompts, prompt)
	f.mu.Unlock()
	reply := func(value string) (reasoner.Answer, error) {
		text := fmt.Sprintf(`{"value": %s, "reasoning": "the model said so", "confidence": 0.9}`, value)
		return reasoner.ParseReply(f.Name(), []byte(text))
	}
	switch f.Behavior {
	case BadJSON:
		return reasoner.ParseReply(f.Name(), []byte(`Sure! The answer is {"value": "`))
	case OutOfSchema:
		if len(req.Options) > 0 {
			return reply(`{"choice": 1}`)
		}
		return reply(`"everything"`)
	case UnknownValue:
		if req.Schema != nil && req.Schema.Type == "array" {
			return reply(`["no_such_column_x"]`)
		}
		return reply(`"no_such_column_x"`)
	case Hang:
		time.Sleep(f.Delay)
	case Fail:
		return reasoner.Answer{}, errors.New("model service unavailable")
	}
	ans, err := reasoner.Rules{}.Decide(ctx, req)
	if err != nil {
		return reasoner.Answer{}, err
	}
	text, err := json.Marshal(reasoner.Reply{Value: ans.Value, Reasoning: "as the facts show: " + ans.Reasoning, Confidence: ans.Confidence})
	if err != nil {
		return reasoner.Answer{}, err
	}
	return reasoner.ParseReply(f.Name(), append([]byte("```json\n"), append(text, "\n```"...)...))
}
