// Package providers opens the reasoner a --reasoner-url names:
//
//	rules                                   the embedded rules (also the empty URL)
//	gemini://[MODEL]                        Gemini API; key from GEMINI_API_KEY or GOOGLE_API_KEY
//	gemini://[MODEL]?vertex=1&project=P&location=L   Gemini on Vertex AI, default credentials
//	openai://HOST[:PORT]/v1?model=M         an OpenAI-compatible server (Ollama, vLLM,
//	                                        llama.cpp); https, or http for loopback hosts or
//	                                        with insecure=1; key from OPENAI_API_KEY if set
//
// Common query parameters: timeout (a Go duration bounding one decision, default 30s),
// price_in and price_out (US dollars per million tokens, for the per-project cost), and for
// openai json_object=1 (servers without json_schema support). A model-backed reasoner is
// returned inside reasoner.Guard, so its failures fall back to the rules and are recorded.
package providers

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/gemini"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/agents/reasoner/openai"
)

// Schemes lists the schemes Open understands, for flag help.
const Schemes = "rules, gemini://[MODEL][?vertex=1&project=P&location=L], openai://HOST/v1?model=M"

// Options are what Open takes from outside the URL.
type Options struct {
	// Getenv reads environment variables (API keys); nil reads none.
	Getenv func(string) string
}

// Open returns the reasoner rawURL names.
func Open(ctx context.Context, rawURL string, opts Options) (reasoner.Reasoner, error) {
	if rawURL == "" || rawURL == reasoner.RulesName || rawURL == "rules://" {
		return reasoner.Rules{}, nil
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--reasoner-url %q: %w", rawURL, err)
	}
	q := u.Query()
	price, err := prices(q)
	if err != nil {
		return nil, fmt.Errorf("--reasoner-url %q: %w", redact(u), err)
	}
	timeout := reasoner.DefaultTimeout
	if s := q.Get("timeout"); s != "" {
		if timeout, err = time.ParseDuration(s); err != nil || timeout <= 0 {
			return nil, fmt.Errorf("--reasoner-url %q: timeout %q: want a positive duration such as 30s", redact(u), s)
		}
	}
	var primary reasoner.Reasoner
	switch u.Scheme {
	case "gemini":
		cfg := gemini.Config{Model: strings.Trim(u.Host+u.Path, "/"), Price: price}
		if truthy(q.Get("vertex")) {
			cfg.Vertex, cfg.Project, cfg.Location = true, q.Get("project"), q.Get("location")
		}
		primary, err = gemini.New(ctx, cfg)
	case "openai":
		scheme := "https"
		if truthy(q.Get("insecure")) || loopback(u.Hostname()) {
			scheme = "http"
		}
		primary, err = openai.New(openai.Config{
			BaseURL: scheme + "://" + u.Host + u.Path, Model: q.Get("model"), APIKey: getenv("OPENAI_API_KEY"),
			JSONObject: truthy(q.Get("json_object")), Price: price,
		})
	default:
		return nil, fmt.Errorf("--reasoner-url %q: want %s", redact(u), Schemes)
	}
	if err != nil {
		return nil, fmt.Errorf("--reasoner-url %q: %w", redact(u), err)
	}
	return &reasoner.Guard{Primary: primary, Fallback: reasoner.Rules{}, Timeout: timeout}, nil
}

// prices reads price_in and price_out.
func prices(q url.Values) (llm.Price, error) {
	var p llm.Price
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"price_in", &p.Input}, {"price_out", &p.Output}} {
		if s := q.Get(f.name); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v < 0 {
				return p, fmt.Errorf("%s %q: want dollars per million tokens", f.name, s)
			}
			*f.dst = v
		}
	}
	return p, nil
}

// truthy reads a boolean query parameter.
func truthy(s string) bool { b, _ := strconv.ParseBool(s); return b }

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact drops credentials from a URL for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
