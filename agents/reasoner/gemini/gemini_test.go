package gemini_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/gemini"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/agents/reasoner/llm/llmtest"
)

// fakeGemini speaks the generateContent REST wire format. answer returns the HTTP status and
// the body to send for a request.
type fakeGemini struct {
	t      *testing.T
	calls  atomic.Int32
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	answer func(req *http.Request) (int, string)
}

func (f *fakeGemini) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	b, _ := io.ReadAll(r.Body)
	var req map[string]any
	if err := json.Unmarshal(b, &req); err != nil {
		http.Error(w, `{"error":{"code":400,"message":"bad json","status":"INVALID_ARGUMENT"}}`, 400)
		return
	}
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path+" key="+r.Header.Get("x-goog-api-key"))
	f.bodies = append(f.bodies, req)
	f.mu.Unlock()
	code, body := f.answer(r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// candidate wraps text in a generateContent response with usage.
func candidate(text, finish string, in, out int) string {
	t, _ := json.Marshal(text)
	return fmt.Sprintf(`{"candidates":[{"content":{"role":"model","parts":[{"text":%s}]},"finishReason":%q,"index":0}],
		"usageMetadata":{"promptTokenCount":%d,"candidatesTokenCount":%d,"totalTokenCount":%d},"modelVersion":"gemini-2.5-flash"}`, t, finish, in, out, in+out)
}

// start returns a guarded Gemini reasoner on the Gemini API against a fake.
func start(t *testing.T, answer func(*http.Request) (int, string), timeout time.Duration) (*gemini.Reasoner, *reasoner.Guard, *fakeGemini) {
	t.Helper()
	f := &fakeGemini{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	r, err := gemini.New(context.Background(), gemini.Config{APIKey: "test-key", BaseURL: srv.URL, HTTPClient: srv.Client(),
		Price: llm.Price{Input: 0.30, Output: 2.50}})
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	return r, &reasoner.Guard{Primary: r, Fallback: reasoner.Rules{}, Timeout: timeout}, f
}

func TestGeminiStructuredAnswerTokensAndCache(t *testing.T) {
	r, g, f := start(t, func(*http.Request) (int, string) {
		return 200, candidate(`{"value":"churn","reasoning":"churn is the yes/no outcome the description asks about","confidence":0.85}`, "STOP", 1200, 40)
	}, 5*time.Second)
	ctx := llm.WithProject(context.Background(), "p-1")
	ans, err := g.Decide(ctx, llmtest.ColumnRequest())
	if err != nil {
		t.Fatalf("Decide = %v", err)
	}
	if string(ans.Value) != `"churn"` || ans.Reasoner != "gemini" || ans.Confidence != 0.85 || !strings.Contains(ans.Reasoning, "yes/no") {
		t.Errorf("Decide = %+v, want gemini's churn", ans)
	}
	// The request asks for JSON constrained by the reply schema, with the options' enum.
	req := f.bodies[0]
	gc := req["generationConfig"].(map[string]any)
	if gc["responseMimeType"] != "application/json" || gc["temperature"] != 0.0 {
		t.Errorf("generationConfig = %v", gc)
	}
	schema, _ := json.Marshal(gc["responseJsonSchema"])
	if !strings.Contains(string(schema), `"enum":["churn","months_active","plan_length"]`) || !strings.Contains(string(schema), `"confidence"`) {
		t.Errorf("responseJsonSchema = %s", schema)
	}
	prompt, _ := json.Marshal(req["contents"])
	if !strings.Contains(string(prompt), "Which column should the model predict?") {
		t.Errorf("contents = %s, want the question", prompt)
	}
	if f.paths[0] != "POST /v1beta/models/gemini-2.5-flash:generateContent key=test-key" {
		t.Errorf("request = %s", f.paths[0])
	}
	// The same question again is answered from the cache: no call, no tokens.
	if _, err := g.Decide(ctx, llmtest.ColumnRequest()); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("API calls = %d, want 1 (second answer cached)", n)
	}
	u := r.Usage("p-1")
	want := llm.Usage{Calls: 1, CacheHits: 1, InputTokens: 1200, OutputTokens: 40, CostUSD: (1200*0.30 + 40*2.50) / 1e6}
	if u != want {
		t.Errorf("Usage(p-1) = %+v, want %+v", u, want)
	}
	if other := r.Usage("p-2"); other != (llm.Usage{}) {
		t.Errorf("Usage(p-2) = %+v, want nothing", other)
	}
}

func TestGeminiBadAnswersFallBackToRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		body   string
		delay  time.Duration
		reason string
	}{
		{"prose", 200, candidate(`Sure! The target is churn.`, "STOP", 10, 5), 0, "not JSON of the reply format"},
		{"unknown column", 200, candidate(`{"value":"customer_id","reasoning":"ids","confidence":0.9}`, "STOP", 10, 5), 0, "out of schema"},
		{"confidence out of range", 200, candidate(`{"value":"churn","reasoning":"x","confidence":7}`, "STOP", 10, 5), 0, "confidence 7 outside 0..1"},
		{"truncated", 200, candidate(`{"value":"ch`, "MAX_TOKENS", 10, 5), 0, "MAX_TOKENS"},
		{"blocked", 200, `{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":10}}`, 0, "prompt blocked: SAFETY"},
		{"quota", 429, `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`, 0, "429"},
		{"server error", 500, `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`, 0, "500"},
		{"not json at all", 200, `<html>bad gateway</html>`, 0, "gemini"},
		{"slow", 200, candidate(`{"value":"months_active","reasoning":"late","confidence":0.9}`, "STOP", 10, 5), 2 * time.Second, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, g, _ := start(t, func(req *http.Request) (int, string) {
				select {
				case <-time.After(tc.delay):
				case <-req.Context().Done():
				}
				return tc.code, tc.body
			}, 300*time.Millisecond)
			ans, err := g.Decide(llm.WithProject(context.Background(), "p"), llmtest.ColumnRequest())
			llmtest.WantFallback(t, ans, err, "gemini", tc.reason)
			if u := r.Usage("p"); u.CacheHits != 0 || (tc.delay == 0 && u.Failures != 1) {
				t.Errorf("Usage = %+v, want one failure and nothing cached", u)
			}
		})
	}
}

func TestGeminiVertexBackend(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		io.WriteString(w, candidate(`{"value":"plan_length","reasoning":"asked","confidence":0.6}`, "STOP", 5, 5))
	}))
	defer srv.Close()
	r, err := gemini.New(context.Background(), gemini.Config{Vertex: true, Project: "p1", Location: "europe-west4", Model: "gemini-2.5-pro",
		BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := r.Decide(context.Background(), llmtest.ColumnRequest())
	if err != nil || string(ans.Value) != `"plan_length"` {
		t.Fatalf("Decide = %+v, %v", ans, err)
	}
	if want := "/v1beta1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent"; path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	if _, err := gemini.New(context.Background(), gemini.Config{Vertex: true}); err == nil {
		t.Error("New(Vertex without project) = nil error")
	}
}
