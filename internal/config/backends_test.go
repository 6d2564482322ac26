package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// parseBackends parses args with the backend flags registered too.
func parseBackends(args []string, env map[string]string) (Config, *flag.FlagSet, error) {
	c := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterStore(fs)
	c.RegisterServer(fs)
	c.RegisterBackends(fs)
	err := c.Parse(fs, args, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return c, fs, err
}

func TestBackendFlags(t *testing.T) {
	c, fs, err := parseBackends(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TrainerURL != "local" || c.ReasonerURL != "rules" || c.OIDCIssuer != "https://accounts.google.com" || c.SessionTTL != time.Hour || c.OIDCClientID != "" {
		t.Errorf("defaults = %+v", c.Backends)
	}
	// Every URL flag's help names its schemes.
	for name, schemes := range map[string][]string{
		"trainer-url":  {"local", "vertex://"},
		"reasoner-url": {"rules", "gemini://", "openai://"},
		"blob-url":     {"file://", "gs://"},
		"queue-url":    {"mem://", "gcppubsub://", "nats://"},
	} {
		f := fs.Lookup(name)
		if f == nil {
			t.Fatalf("no --%s flag", name)
		}
		for _, s := range schemes {
			if !strings.Contains(f.Usage, s) {
				t.Errorf("--%s help %q does not name %s", name, f.Usage, s)
			}
		}
	}
	c, _, err = parseBackends([]string{"--trainer-url", "vertex://projects/p/locations/us-central1", "--trainer-image", "img"},
		map[string]string{"TRAINYARD_REASONER_URL": "openai://127.0.0.1:11434/v1?model=llama3.1", "TRAINYARD_SESSION_TTL": "15m"})
	if err != nil {
		t.Fatal(err)
	}
	if c.TrainerURL != "vertex://projects/p/locations/us-central1" || c.ReasonerURL != "openai://127.0.0.1:11434/v1?model=llama3.1" || c.SessionTTL != 15*time.Minute {
		t.Errorf("backends = %+v", c.Backends)
	}
	for _, args := range [][]string{
		{"--trainer-url", "sagemaker://x"},
		{"--trainer-url", "vertex://projects/p", "--trainer-image", "img"},
		{"--trainer-url", "vertex://projects/p/locations/l"}, // no image
		{"--reasoner-url", "claude://x"},
		{"--session-ttl", "-1m"},
	} {
		if _, _, err := parseBackends(args, nil); err == nil {
			t.Errorf("parse(%q) = nil error, want one", args)
		}
	}
}
