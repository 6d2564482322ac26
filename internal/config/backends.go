package config

import (
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Backends chooses the training backend, the reasoner and Google sign-in.
type Backends struct {
	// TrainerURL is "local" (the Go engine in this process) or
	// vertex://projects/P/locations/L (Vertex AI custom jobs).
	TrainerURL string
	// TrainerImage is the container image Vertex AI training jobs run (the worker image).
	TrainerImage string
	// ReasonerURL is "rules", gemini://[MODEL][?vertex=1&project=P&location=L] or
	// openai://HOST[:PORT]/v1?model=M.
	ReasonerURL string
	// OIDCClientID enables Google sign-in (OpenID Connect) for this OAuth client ID.
	OIDCClientID string
	// OIDCIssuer is the OpenID Connect issuer (default https://accounts.google.com).
	OIDCIssuer string
	// SessionTTL is the lifetime of the session tokens issued after sign-in.
	SessionTTL time.Duration
}

// defaultBackends returns the embedded defaults.
func defaultBackends() Backends {
	return Backends{TrainerURL: "local", ReasonerURL: "rules", OIDCIssuer: "https://accounts.google.com", SessionTTL: time.Hour}
}

// RegisterBackends adds --trainer-url, --trainer-image, --reasoner-url, --oidc-client-id,
// --oidc-issuer and --session-ttl to fs.
func (c *Config) RegisterBackends(fs *flag.FlagSet) {
	if c.TrainerURL == "" && c.ReasonerURL == "" && c.OIDCIssuer == "" && c.SessionTTL == 0 {
		c.Backends = defaultBackends()
	}
	fs.StringVar(&c.TrainerURL, "trainer-url", c.TrainerURL, "training backend: local (the Go engine) or vertex://projects/P/locations/L (Vertex AI) (env "+envName("trainer-url")+")")
	fs.StringVar(&c.TrainerImage, "trainer-image", c.TrainerImage, "container image of the trainyard worker that vertex:// training jobs run (env "+envName("trainer-image")+")")
	fs.StringVar(&c.ReasonerURL, "reasoner-url", c.ReasonerURL, "agent reasoner: rules, gemini://[MODEL][?vertex=1&project=P&location=L] (key in GEMINI_API_KEY) or openai://HOST[:PORT]/v1?model=M (Ollama, vLLM, llama.cpp; key in OPENAI_API_KEY) (env "+envName("reasoner-url")+")")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", c.OIDCClientID, "OAuth client ID that enables Google sign-in; empty disables it (env "+envName("oidc-client-id")+")")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "OpenID Connect issuer of sign-in tokens (env "+envName("oidc-issuer")+")")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "lifetime of the session tokens issued after sign-in (env "+envName("session-ttl")+")")
}

// checkBackends validates the backend URLs (their own packages parse them fully).
func (b Backends) checkBackends() error {
	switch {
	case b.TrainerURL == "", b.TrainerURL == "local":
	case strings.HasPrefix(b.TrainerURL, "vertex://"):
		u, err := url.Parse(b.TrainerURL)
		parts := strings.Split(strings.Trim(u.Host+u.Path, "/"), "/")
		if err != nil || len(parts) != 4 || parts[0] != "projects" || parts[2] != "locations" || parts[1] == "" || parts[3] == "" {
			return fmt.Errorf("--trainer-url %q: want vertex://projects/PROJECT/locations/REGION", b.TrainerURL)
		}
		if b.TrainerImage == "" {
			return fmt.Errorf("--trainer-url %q needs --trainer-image (the worker image the jobs run)", b.TrainerURL)
		}
	default:
		return fmt.Errorf("--trainer-url %q: want local or vertex://projects/P/locations/L", b.TrainerURL)
	}
	switch scheme, _, _ := strings.Cut(b.ReasonerURL, "://"); {
	case b.ReasonerURL == "", b.ReasonerURL == "rules", scheme == "gemini", scheme == "openai":
	default:
		return fmt.Errorf("--reasoner-url %q: want rules, gemini://... or openai://HOST/v1?model=M", b.ReasonerURL)
	}
	if b.SessionTTL < 0 {
		return fmt.Errorf("--session-ttl %v: must not be negative", b.SessionTTL)
	}
	return nil
}
