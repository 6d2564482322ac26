package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/agents/reasoner/llm/llmtest"
	"github.com/trainyard/trainyard/agents/reasoner/openai"
)

// completion wraps content in a chat completion response with usage.
func completion(content, finish string, in, out int) string {
	c, _ := json.Marshal(content)
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"llama3.1:8b",
		"choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":%q}],
		"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, c, finish, in, out, in+out)
}

// server is a fake OpenAI-compatible server; answer returns status and body.
func server(t *testing.T, answer func(r *http.Request, req map[string]any) (int, string)) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found"}}`, 404)
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, 400)
			return
		}
		code, body := answer(r, req)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestOpenAIJSONSchemaAnswerTokensAndCache(t *testing.T) {
	var got map[string]any
	var auth string
	srv, calls := server(t, func(r *http.Request, req map[string]any) (int, string) {
		got, auth = req, r.Header.Get("Authorization")
		return 200, completion(`{"value":"churn","reasoning":"churn is the outcome to predict","confidence":0.8}`, "stop", 900, 30)
	})
	r, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1/", Model: "llama3.1:8b", APIKey: "sk-local", Price: llm.Price{Input: 1, Output: 2}})
	if err != nil {
		t.Fatal(err)
	}
	g := &reasoner.Guard{Primary: r, Fallback: reasoner.Rules{}, Timeout: 5 * time.Second}
	ctx := llm.WithProject(context.Background(), "p-9")
	ans, err := g.Decide(ctx, llmtest.ColumnRequest())
	if err != nil || string(ans.Value) != `"churn"` || ans.Reasoner != "openai" || ans.Confidence != 0.8 {
		t.Fatalf("Decide = %+v, %v", ans, err)
	}
	rf := got["response_format"].(map[string]any)
	js, _ := json.Marshal(rf["json_schema"])
	if rf["type"] != "json_schema" || !strings.Contains(string(js), `"enum":["churn","months_active","plan_length"]`) || got["model"] != "llama3.1:8b" || got["temperature"] != 0.0 {
		t.Errorf("request = %v", got)
	}
	msgs := got["messages"].([]any)
	if len(msgs) != 2 || !strings.Contains(msgs[1].(map[string]any)["content"].(string), "Which column") || auth != "Bearer sk-local" {
		t.Errorf("messages = %v, auth %q", msgs, auth)
	}
	if _, err := g.Decide(ctx, llmtest.ColumnRequest()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("server calls = %d, want 1 (cached)", calls.Load())
	}
	if u, want := r.Usage("p-9"), (llm.Usage{Calls: 1, CacheHits: 1, InputTokens: 900, OutputTokens: 30, CostUSD: (900 + 60) / 1e6}); u != want {
		t.Errorf("Usage = %+v, want %+v", u, want)
	}
}

func TestOpenAIJSONObjectModeAndFences(t *testing.T) {
	srv, _ := server(t, func(_ *http.Request, req map[string]any) (int, string) {
		if req["response_format"].(map[string]any)["type"] != "json_object" {
			return 400, `{"error":{"message":"want json_object"}}`
		}
		return 200, completion("```json\n{\"value\":\"months_active\",\"reasoning\":\"r\",\"confidence\":0.5}\n```", "stop", 1, 1)
	})
	r, _ := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", JSONObject: true})
	ans, err := r.Decide(context.Background(), llmtest.ColumnRequest())
	if err != nil || string(ans.Value) != `"months_active"` {
		t.Errorf("Decide = %+v, %v", ans, err)
	}
}

func TestOpenAIBadAnswersFallBackToRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		body   string
		delay  time.Duration
		reason string
	}{
		{"prose", 200, completion("The answer is churn, because it is the outcome.", "stop", 5, 5), 0, "not JSON of the reply format"},
		{"unknown column", 200, completion(`{"value":"CustomerID","reasoning":"r","confidence":0.9}`, "stop", 5, 5), 0, "out of schema"},
		{"extra text", 200, completion(`{"value":"churn","reasoning":"r","confidence":0.9} hope this helps`, "stop", 5, 5), 0, "text after the JSON object"},
		{"missing value", 200, completion(`{"reasoning":"r","confidence":0.9}`, "stop", 5, 5), 0, "no value"},
		{"cut off", 200, completion(`{"value":"ch`, "length", 5, 5), 0, "finish_reason length"},
		{"no choices", 200, `{"id":"x","object":"chat.completion","choices":[]}`, 0, "no choices"},
		{"not a completion", 200, `upstream connect error`, 0, "not a chat completion"},
		{"model missing", 404, `{"error":{"message":"model \"m\" not found, try pulling it first","type":"api_error"}}`, 0, "try pulling it"},
		{"overloaded", 503, `server busy`, 0, "HTTP 503"},
		{"slow", 200, completion(`{"value":"months_active","reasoning":"late","confidence":0.9}`, "stop", 5, 5), 3 * time.Second, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := server(t, func(r *http.Request, _ map[string]any) (int, string) {
				select {
				case <-time.After(tc.delay):
				case <-r.Context().Done():
				}
				return tc.code, tc.body
			})
			r, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			g := &reasoner.Guard{Primary: r, Fallback: reasoner.Rules{}, Timeout: 300 * time.Millisecond}
			ans, err := g.Decide(context.Background(), llmtest.ColumnRequest())
			llmtest.WantFallback(t, ans, err, "openai", tc.reason)
		})
	}
	// An unreachable server falls back too.
	r, _ := openai.New(openai.Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	ans, err := reasoner.NewGuard(r).Decide(context.Background(), llmtest.ColumnRequest())
	llmtest.WantFallback(t, ans, err, "openai", "connect")
}
