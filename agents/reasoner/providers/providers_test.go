package providers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm/llmtest"
	"github.com/trainyard/trainyard/agents/reasoner/providers"
)

func TestOpenRulesAndErrors(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"", "rules"} {
		r, err := providers.Open(ctx, u, providers.Options{})
		if err != nil || r.Name() != reasoner.RulesName {
			t.Errorf("Open(%q) = %v, %v; want the rules", u, r, err)
		}
	}
	for _, u := range []string{"claude://x", "openai://127.0.0.1:1/v1", "openai://h/v1?model=m&timeout=soon", "gemini://?price_in=-1", "gemini://?vertex=1"} {
		if _, err := providers.Open(ctx, u, providers.Options{}); err == nil {
			t.Errorf("Open(%q) = nil error, want one", u)
		}
	}
}

func TestOpenAIThroughTheURL(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"{\"value\":\"months_active\",\"reasoning\":\"r\",\"confidence\":0.7}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	r, err := providers.Open(context.Background(), "openai://"+host+"/v1?model=qwen2.5&timeout=2s", providers.Options{
		Getenv: func(k string) string { return map[string]string{"OPENAI_API_KEY": "k1"}[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	g, ok := r.(*reasoner.Guard)
	if !ok || g.Timeout.Seconds() != 2 || r.Name() != "openai" {
		t.Fatalf("Open = %#v, want a guarded openai reasoner with a 2s timeout", r)
	}
	ans, err := r.Decide(context.Background(), llmtest.ColumnRequest())
	if err != nil || string(ans.Value) != `"months_active"` || auth != "Bearer k1" {
		t.Errorf("Decide = %+v, %v (auth %q)", ans, err, auth)
	}
}

func TestGeminiThroughTheURL(t *testing.T) {
	r, err := providers.Open(context.Background(), "gemini://gemini-2.5-pro?vertex=1&project=p&location=us-central1&price_in=1.25&price_out=10", providers.Options{})
	if err != nil {
		// Without application default credentials the Vertex backend cannot start; the Gemini
		// API backend needs only a key.
		t.Logf("vertex backend: %v", err)
	} else if r.Name() != "gemini" {
		t.Errorf("Name() = %q", r.Name())
	}
	t.Setenv("GEMINI_API_KEY", "k")
	r, err = providers.Open(context.Background(), "gemini://", providers.Options{})
	if err != nil || r.Name() != "gemini" {
		t.Errorf("Open(gemini://) = %v, %v", r, err)
	}
}
