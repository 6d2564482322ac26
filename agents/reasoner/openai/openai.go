// Package openai is a reasoner backed by any server that speaks OpenAI's chat completions
// API — Ollama, vLLM, llama.cpp's server, LocalAI, or OpenAI itself — over plain HTTP with
// the standard library. Every request asks for JSON output: response_format json_schema with
// the reply's schema (servers that only know json_object can be told so with JSONObject).
// Tokens and their cost are accounted per project (llm.WithProject), and validated answers
// are cached by prompt.
//
// Wrap it in reasoner.Guard: an answer that is malformed, out of schema, names something the
// data does not have or comes too late is replaced by the rules, and the audit entry says so.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
)

// Name is the reasoner's name in audit entries.
const Name = "openai"

// maxResponse bounds the body read from the server.
const maxResponse = 4 << 20

// Config configures the reasoner.
type Config struct {
	// BaseURL is the API base, such as http://127.0.0.1:11434/v1 (Ollama) or
	// http://vllm:8000/v1; /chat/completions is appended.
	BaseURL string
	// Model is the model name the server knows (required).
	Model string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// JSONObject asks for response_format json_object instead of json_schema (older servers);
	// the schema is then only in the prompt.
	JSONObject bool
	// HTTPClient makes the requests (default http.DefaultClient; the guard's timeout bounds
	// each call through its context).
	HTTPClient *http.Client
	// Price prices the tokens for the meter (default: none, as for a local server).
	Price llm.Price
	// CacheSize is how many answers to cache (0: 512; negative: no cache).
	CacheSize int
}

// Reasoner asks an OpenAI-compatible server.
type Reasoner struct {
	cfg   Config
	url   string
	cache *llm.Cache
	meter *llm.Meter
}

var _ reasoner.Reasoner = (*Reasoner)(nil)

// New returns a reasoner for the server at cfg.BaseURL.
func New(cfg Config) (*Reasoner, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("openai-compatible reasoner: a base URL and a model are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	size := cfg.CacheSize
	if size == 0 {
		size = 512
	}
	return &Reasoner{cfg: cfg, url: strings.TrimRight(cfg.BaseURL, "/") + "/chat/completions",
		cache: llm.NewCache(size), meter: llm.NewMeter(cfg.Price)}, nil
}

// Name returns "openai".
func (r *Reasoner) Name() string { return Name }

// Model returns the model asked.
func (r *Reasoner) Model() string { return r.cfg.Model }

// Usage returns the tokens, cost and calls of a project ("" for decisions made without one).
func (r *Reasoner) Usage(projectID string) llm.Usage { return r.meter.Project(projectID) }

// TotalUsage returns the usage of every project.
func (r *Reasoner) TotalUsage() llm.Usage { return r.meter.Total() }

// Decide asks the model for a decision in the reply format.
func (r *Reasoner) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	return llm.Decide(ctx, Name, r.cfg.Model, r.cache, r.meter, r.call, req)
}

// The chat completions wire format (the parts used).
type (
	message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	jsonSchema struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	}
	responseFormat struct {
		Type       string      `json:"type"`
		JSONSchema *jsonSchema `json:"json_schema,omitempty"`
	}
	chatRequest struct {
		Model          string         `json:"model"`
		Messages       []message      `json:"messages"`
		Temperature    float64        `json:"temperature"`
		ResponseFormat responseFormat `json:"response_format"`
		Stream         bool           `json:"stream"`
	}
	chatResponse struct {
		Choices []struct {
			Message      message `json:"message"`
			FinishReason string  `json:"finish_reason"`
		} `json:"choices"`
		Usage *struct {
			PromptTokens     int64 `json:"prompt_tokens"`
			CompletionTokens int64 `json:"completion_tokens"`
		} `json:"usage"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
)

// systemPrompt frames every request.
const systemPrompt = "You are a careful machine-learning engineer. Decide from the measured facts only, " +
	"cite them in your reasoning, and answer with one JSON object and nothing else."

// call sends one prompt.
func (r *Reasoner) call(ctx context.Context, prompt string, schema json.RawMessage) (llm.Reply, error) {
	rf := responseFormat{Type: "json_schema", JSONSchema: &jsonSchema{Name: "decision", Schema: schema, Strict: true}}
	if r.cfg.JSONObject {
		rf = responseFormat{Type: "json_object"}
	}
	body, err := json.Marshal(chatRequest{Model: r.cfg.Model, ResponseFormat: rf,
		Messages: []message{{Role: "system", Content: systemPrompt}, {Role: "user", Content: prompt}}})
	if err != nil {
		return llm.Reply{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return llm.Reply{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	if r.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+r.cfg.APIKey)
	}
	resp, err := r.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return llm.Reply{}, fmt.Errorf("%s: %w", r.cfg.Model, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return llm.Reply{}, fmt.Errorf("%s: read answer: %w", r.cfg.Model, err)
	}
	var cr chatResponse
	jerr := json.Unmarshal(raw, &cr)
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw))
		if jerr == nil && cr.Error != nil {
			msg = cr.Error.Message
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return llm.Reply{}, fmt.Errorf("%s: HTTP %d: %s", r.cfg.Model, resp.StatusCode, msg)
	}
	if jerr != nil {
		return llm.Reply{}, fmt.Errorf("%s: answer is not a chat completion: %w", r.cfg.Model, jerr)
	}
	if len(cr.Choices) == 0 {
		return llm.Reply{}, fmt.Errorf("%s: answer has no choices", r.cfg.Model)
	}
	c := cr.Choices[0]
	if c.FinishReason != "" && c.FinishReason != "stop" {
		return llm.Reply{}, fmt.Errorf("%s: answer ended with finish_reason %s", r.cfg.Model, c.FinishReason)
	}
	rep := llm.Reply{Text: c.Message.Content}
	if cr.Usage != nil {
		rep.InputTokens, rep.OutputTokens = cr.Usage.PromptTokens, cr.Usage.CompletionTokens
	}
	return rep, nil
}
