package pipeline_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/agents/reasoner/openai"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// fakeChat is an OpenAI-compatible chat-completions server whose "model" reads the prompt the
// way a model would: it picks the first option the rules scored, echoes a proposal, and labels
// rows with a crude rule of thumb of its own (women and young children survive), so its labels
// are often right and sometimes wrong, like a real model's.
type fakeChat struct {
	t         *testing.T
	calls     atomic.Int32
	labelings atomic.Int32
}

func (f *fakeChat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 2 || req.ResponseFormat.Type != "json_schema" {
		http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
		return
	}
	prompt := req.Messages[1].Content
	value, err := f.answer(prompt)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":%q}}`, err.Error())
		return
	}
	text, _ := json.Marshal(map[string]any{"value": value, "reasoning": "read from the rows' values", "confidence": 0.8})
	resp := map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(text)}}},
		"usage":   map[string]any{"prompt_tokens": len(prompt) / 4, "completion_tokens": len(text) / 4, "total_tokens": (len(prompt) + len(text)) / 4},
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// answer reads a prompt rendered by reasoner.Prompt.
func (f *fakeChat) answer(prompt string) (any, error) {
	if strings.Contains(prompt, "Label each row below") {
		f.labelings.Add(1)
		return f.label(prompt)
	}
	if _, rest, ok := strings.Cut(prompt, "Options scored by the built-in rules"); ok {
		_, line, _ := strings.Cut(rest, "\n- ")
		v, err := strconv.QuotedPrefix(line)
		if err != nil {
			return nil, err
		}
		return strconv.Unquote(v)
	}
	if _, rest, ok := strings.Cut(prompt, "The built-in rules propose: "); ok {
		var v any
		return v, json.NewDecoder(strings.NewReader(rest)).Decode(&v)
	}
	return nil, fmt.Errorf("cannot answer this")
}

// label labels the prompt's rows by the rule of thumb.
func (f *fakeChat) label(prompt string) (any, error) {
	_, rest, _ := strings.Cut(prompt, "Facts measured on the data (JSON):\n")
	var facts struct {
		Classes []string `json:"classes"`
		Rows    []struct {
			Row    int               `json:"row"`
			Values map[string]string `json:"values"`
		} `json:"rows"`
	}
	if err := json.NewDecoder(strings.NewReader(rest)).Decode(&facts); err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, r := range facts.Rows {
		age, err := strconv.ParseFloat(r.Values["Age"], 64)
		survived := r.Values["Sex"] == "female" || (err == nil && age < 10)
		label := facts.Classes[0]
		if survived {
			label = facts.Classes[len(facts.Classes)-1]
		}
		out = append(out, map[string]any{"row": r.Row, "label": label})
	}
	return out, nil
}

// TestUnlabeledLanguageModelLabels: titanic with 12 labels left and an OpenAI-compatible
// reasoner (a fake server speaking the chat-completions wire format) goes through the API to
// COMPLETED on labels the model gave to a sample of rows in batches. The labeling decision
// records agreement with the given labels, self-consistency, calls, tokens and cost; a second
// project on the same data is answered from the cache.
func TestUnlabeledLanguageModelLabels(t *testing.T) {
	t.Parallel()
	fake := &fakeChat{t: t}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	model, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "fake-labeler", HTTPClient: srv.Client(), Price: llm.Price{Input: 0.5, Output: 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	a := startAPI(t, pipelinetest.Config{Reasoner: &reasoner.Guard{Primary: model, Fallback: reasoner.Rules{}, Timeout: 10 * time.Second}})
	path, truth := hideLabels(t, "titanic.csv", "Survived", 12, 5)
	ds := uploadPath(t, a.Env, path)
	hidden := map[int]bool{}
	for i := range truth {
		hidden[i] = true
	}
	for _, i := range givenRows(t, path, "Survived") {
		delete(hidden, i)
	}

	run := func() map[string]any {
		t.Helper()
		p := a.create(t, ds, "predict whether a passenger survived", "Survived")
		p = a.waitAPI(t, p.GetName(), 120*time.Second, store.StageCompleted)
		if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
			t.Fatalf("stage = %s (%s), want COMPLETED", p.GetCurrentStage(), p.GetError().GetMessage())
		}
		proj, err := a.Store.GetProject(sys, mustUUID(t, p.GetId()))
		if err != nil {
			t.Fatal(err)
		}
		var result map[string]any
		for _, d := range labelingDecisions(audit(t, a.Env, proj.ID)) {
			if ev := evidenceOf(t, d); ev["agreement_with_given_labels"] != nil {
				result = ev
				t.Logf("decision: %s (%s)\nreasoning: %s", d.Decision, d.Reasoner, d.Reasoning)
			}
		}
		if result == nil {
			t.Fatalf("no labeling decision records the model's agreement")
		}
		m, metrics := modelMetrics(t, a.Env, proj)
		acc, n := accuracyOn(t, a.Env, m, path, truth, func(i int) bool { return hidden[i] })
		t.Logf("held-out %v; accuracy on the %d hidden rows %.3f", metrics.GetValues(), n, acc)
		if acc < 0.7 {
			t.Errorf("accuracy on the hidden rows = %.3f, want at least 0.7", acc)
		}
		return result
	}
	first := run()
	ev, _ := json.Marshal(first)
	t.Logf("evidence: %s", ev)
	labeled, _ := first["labeled_rows"].(float64)
	agreement, _ := first["agreement_with_given_labels"].(float64)
	consistency, _ := first["self_consistency"].(float64)
	calls, _ := first["calls"].(float64)
	cost, _ := first["cost_usd"].(float64)
	batches, _ := first["batches"].(float64)
	if labeled < 150 || agreement < 0.6 || consistency != 1 || calls < batches || cost <= 0 {
		t.Errorf("first project: labeled %v, agreement %v, consistency %v, calls %v for %v batches, cost %v; want >= 150 rows, agreement >= 0.6, a consistent fake, one call per batch and a cost",
			labeled, agreement, consistency, calls, batches, cost)
	}
	if got := int(fake.labelings.Load()); got != int(batches) {
		t.Errorf("the model got %d labeling requests, want one per batch (%v)", got, batches)
	}
	second := run()
	if hits, _ := second["cache_hits"].(float64); hits < batches || second["calls"].(float64) != 0 || int(fake.labelings.Load()) != int(batches) {
		t.Errorf("second project: %v calls, %v cache hits, %d labeling requests in all; want every batch from the cache", second["calls"], second["cache_hits"], fake.labelings.Load())
	}
}
