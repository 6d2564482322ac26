package config

import (
	"flag"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// parse parses args with the given environment into a fresh Config.
func parse(args []string, env map[string]string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterStore(fs)
	c.RegisterServer(fs)
	c.RegisterLog(fs)
	err := c.Parse(fs, args, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return c, err
}

func TestDefaultsAndDerived(t *testing.T) {
	c, err := parse(nil, nil)
	if err != nil {
		t.Fatalf("parse() = %v", err)
	}
	if c.Addr != "127.0.0.1:8080" || c.QueueURL != "mem://" || c.RateLimit != 100 || c.MaxActiveProjects != 5 || c.Workers != 2 {
		t.Errorf("defaults = %+v", c.Server)
	}
	if want := "sqlite://" + filepath.Join(".trainyard", "trainyard.db"); c.DatabaseURL != want {
		t.Errorf("DatabaseURL = %q, want %q", c.DatabaseURL, want)
	}
	abs, _ := filepath.Abs(filepath.Join(".trainyard", "blobs"))
	if c.BlobURL != "file://"+abs {
		t.Errorf("BlobURL = %q, want file://%s", c.BlobURL, abs)
	}
	if c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("PublicURL = %q, want http://127.0.0.1:8080", c.PublicURL)
	}
}

func TestFlagsBeatEnvBeatsDefaults(t *testing.T) {
	env := map[string]string{
		"TRAINYARD_ADDR":         "0.0.0.0:9000",
		"TRAINYARD_RATE_LIMIT":   "7",
		"TRAINYARD_DATABASE_URL": "postgres://db/trainyard",
		"TRAINYARD_LOG_FORMAT":   "json",
	}
	c, err := parse([]string{"--rate-limit", "9", "--shutdown-timeout", "3s"}, env)
	if err != nil {
		t.Fatalf("parse = %v", err)
	}
	if c.RateLimit != 9 {
		t.Errorf("RateLimit = %d, want the flag's 9 over the variable's 7", c.RateLimit)
	}
	if c.Addr != "0.0.0.0:9000" || c.DatabaseURL != "postgres://db/trainyard" || c.Format != "json" {
		t.Errorf("config = %+v, want the variables' addr, database and log format", c)
	}
	if c.PublicURL != "http://127.0.0.1:9000" {
		t.Errorf("PublicURL = %q, want a reachable http://127.0.0.1:9000 for a 0.0.0.0 listener", c.PublicURL)
	}
	if c.ShutdownTimeout != 3*time.Second {
		t.Errorf("ShutdownTimeout = %v, want 3s", c.ShutdownTimeout)
	}
}

func TestWorkersFlagAndVariable(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want int
	}{
		{nil, nil, 2},
		{[]string{"--workers", "0"}, nil, 0},
		{nil, map[string]string{"TRAINYARD_WORKERS": "0"}, 0},
		{[]string{"--workers", "4"}, map[string]string{"TRAINYARD_WORKERS": "0"}, 4},
	} {
		c, err := parse(tc.args, tc.env)
		if err != nil {
			t.Fatalf("parse(%q, %v) = %v", tc.args, tc.env, err)
		}
		if c.Workers != tc.want {
			t.Errorf("parse(%q, %v).Workers = %d, want %d", tc.args, tc.env, c.Workers, tc.want)
		}
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--addr", "no-port"}, nil},
		{[]string{"--rate-limit", "-1"}, nil},
		{[]string{"--workers", "-1"}, nil},
		{[]string{"--log-level", "loud"}, nil},
		{[]string{"--log-format", "xml"}, nil},
		{nil, map[string]string{"TRAINYARD_RATE_LIMIT": "many"}},
		{[]string{"--data-dir", ""}, nil},
	} {
		if _, err := parse(tc.args, tc.env); err == nil {
			t.Errorf("parse(%q, %v) = nil error, want one", tc.args, tc.env)
		}
	}
}
