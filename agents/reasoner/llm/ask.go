package llm

import (
	"context"
	"encoding/json"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// Reply is what a model's API returned for one prompt.
type Reply struct {
	// Text is the model's answer text.
	Text string
	// InputTokens and OutputTokens are the usage the API reported.
	InputTokens, OutputTokens int64
}

// Call sends one prompt with the reply's JSON schema to a model.
type Call func(ctx context.Context, prompt string, schema json.RawMessage) (Reply, error)

// Decide is the shared Decide of the model-backed reasoners: render the prompt, answer from
// the cache when the same model was asked the same, else call the model, account the tokens
// to the project in ctx, parse the reply and cache it when it is valid for req. The caller
// (usually reasoner.Guard) still validates and falls back.
func Decide(ctx context.Context, name, model string, cache *Cache, meter *Meter, call Call, req reasoner.Request) (reasoner.Answer, error) {
	prompt, err := reasoner.Prompt(req)
	if err != nil {
		return reasoner.Answer{}, err
	}
	schema, err := json.Marshal(reasoner.ReplySchema(req))
	if err != nil {
		return reasoner.Answer{}, err
	}
	key := Key(name, model, prompt, string(schema))
	if ans, ok := cache.Get(key); ok {
		meter.Hit(ctx)
		return ans, nil
	}
	rep, err := call(ctx, prompt, schema)
	if err != nil {
		meter.Failure(ctx)
		return reasoner.Answer{}, err
	}
	meter.Call(ctx, rep.InputTokens, rep.OutputTokens)
	ans, err := reasoner.ParseReply(name, []byte(rep.Text))
	if err != nil {
		meter.Failure(ctx)
		return reasoner.Answer{}, err
	}
	if err := reasoner.Validate(req, ans); err != nil {
		meter.Failure(ctx)
		return reasoner.Answer{}, err
	}
	cache.Put(key, ans)
	return ans, nil
}
