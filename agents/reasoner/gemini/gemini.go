// Package gemini is a reasoner backed by Google's Gemini models through the official SDK
// (google.golang.org/genai), on the Gemini API (an API key) or on Vertex AI (a project and
// region with the application default credentials). Every request asks for structured
// output: JSON constrained by the reply's JSON schema (the decision's own schema for the
// value, plus reasoning and confidence). Tokens and their cost are accounted per project
// (llm.WithProject), and validated answers are cached by prompt.
//
// Wrap it in reasoner.Guard: an answer that is malformed, out of schema, names something the
// data does not have or comes too late is replaced by the rules, and the audit entry says so.
package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/genai"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
)

// DefaultModel is the model used when none is configured.
const DefaultModel = "gemini-2.5-flash"

// Name is the reasoner's name in audit entries.
const Name = "gemini"

// Config configures the reasoner.
type Config struct {
	// Model is the Gemini model (default DefaultModel).
	Model string
	// APIKey authenticates to the Gemini API; empty lets the SDK read GEMINI_API_KEY or
	// GOOGLE_API_KEY.
	APIKey string
	// Vertex selects the Vertex AI backend, in Project and Location.
	Vertex            bool
	Project, Location string
	// BaseURL replaces the API's address (a proxy, or a test server).
	BaseURL string
	// HTTPClient makes the requests (nil: the SDK's; with Vertex, the default credentials).
	HTTPClient *http.Client
	// Price prices the tokens for the meter (default: none).
	Price llm.Price
	// CacheSize is how many answers to cache (0: 512; negative: no cache).
	CacheSize int
}

// Reasoner asks Gemini.
type Reasoner struct {
	client *genai.Client
	model  string
	cache  *llm.Cache
	meter  *llm.Meter
}

var _ reasoner.Reasoner = (*Reasoner)(nil)

// New returns a Gemini reasoner.
func New(ctx context.Context, cfg Config) (*Reasoner, error) {
	cc := &genai.ClientConfig{APIKey: cfg.APIKey, Backend: genai.BackendGeminiAPI, HTTPClient: cfg.HTTPClient,
		HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL}}
	if cfg.Vertex {
		if cfg.Project == "" || cfg.Location == "" {
			return nil, errors.New("gemini on vertex: project and location are required")
		}
		cc.Backend, cc.Project, cc.Location, cc.APIKey = genai.BackendVertexAI, cfg.Project, cfg.Location, ""
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("gemini client: %w", err)
	}
	model := cfg.Model
	if model == "" {
		model = DefaultModel
	}
	size := cfg.CacheSize
	if size == 0 {
		size = 512
	}
	return &Reasoner{client: client, model: model, cache: llm.NewCache(size), meter: llm.NewMeter(cfg.Price)}, nil
}

// Name returns "gemini".
func (r *Reasoner) Name() string { return Name }

// Model returns the model asked.
func (r *Reasoner) Model() string { return r.model }

// Usage returns the tokens, cost and calls of a project ("" for decisions made without one).
func (r *Reasoner) Usage(projectID string) llm.Usage { return r.meter.Project(projectID) }

// TotalUsage returns the usage of every project.
func (r *Reasoner) TotalUsage() llm.Usage { return r.meter.Total() }

// Decide asks the model for a decision in the reply format.
func (r *Reasoner) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	return llm.Decide(ctx, Name, r.model, r.cache, r.meter, r.call, req)
}

// systemInstruction frames every request.
const systemInstruction = "You are a careful machine-learning engineer. Decide from the measured facts only, " +
	"cite them in your reasoning, and answer with the JSON object requested."

// call sends one prompt.
func (r *Reasoner) call(ctx context.Context, prompt string, schema json.RawMessage) (llm.Reply, error) {
	var temp float32
	resp, err := r.client.Models.GenerateContent(ctx, r.model, genai.Text(prompt), &genai.GenerateContentConfig{
		SystemInstruction:  genai.NewContentFromText(systemInstruction, genai.RoleUser),
		Temperature:        &temp,
		ResponseMIMEType:   "application/json",
		ResponseJsonSchema: schema,
	})
	if err != nil {
		return llm.Reply{}, fmt.Errorf("gemini %s: %w", r.model, err)
	}
	if len(resp.Candidates) == 0 {
		reason := "no candidates"
		if resp.PromptFeedback != nil && resp.PromptFeedback.BlockReason != "" {
			reason = "prompt blocked: " + string(resp.PromptFeedback.BlockReason)
		}
		return llm.Reply{}, fmt.Errorf("gemini %s: %s", r.model, reason)
	}
	c := resp.Candidates[0]
	if c.FinishReason != "" && c.FinishReason != genai.FinishReasonStop {
		return llm.Reply{}, fmt.Errorf("gemini %s: answer ended with %s", r.model, c.FinishReason)
	}
	var text strings.Builder
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			if p != nil && !p.Thought {
				text.WriteString(p.Text)
			}
		}
	}
	rep := llm.Reply{Text: text.String()}
	if u := resp.UsageMetadata; u != nil {
		rep.InputTokens = int64(u.PromptTokenCount)
		rep.OutputTokens = int64(u.CandidatesTokenCount) + int64(u.ThoughtsTokenCount)
	}
	return rep, nil
}
