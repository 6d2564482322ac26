package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trainyard/trainyard/internal/client"
	"github.com/trainyard/trainyard/internal/config"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv returns an env whose only variables are vars.
func testEnv(stdout, stderr io.Writer, vars map[string]string) env {
	return env{stdout: stdout, stderr: stderr, lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

// startServe runs serve on 127.0.0.1:0 over dataDir until the returned stop is called.
func startServe(t *testing.T, dataDir string, vars map[string]string) (base string, stderr *syncBuffer, stop func()) {
	t.Helper()
	cfg := config.Default()
	fs := newFlagSet()
	cfg.RegisterStore(fs)
	cfg.RegisterServer(fs)
	cfg.RegisterLog(fs)
	cfg.RegisterBackends(fs)
	if err := cfg.Parse(fs, []string{"--data-dir", dataDir}, func(k string) (string, bool) { v, ok := vars[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	cfg.PublicURL = base
	stderr = new(syncBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, testEnv(io.Discard, stderr, vars), cfg, slog.New(slog.NewTextHandler(stderr, nil)), "admin@example.com", vars[batchSubscriptionVar], ln)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 20 s; log:\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, stderr, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve = %v, want nil after a graceful shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s")
		}
	}
}

// me calls GET /api/v1/users/me with key and returns the status and email.
func me(t *testing.T, base, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var u struct {
		Email string `json:"email"`
	}
	_ = json.NewDecoder(res.Body).Decode(&u)
	return res.StatusCode, u.Email
}

var keyPattern = regexp.MustCompile(`^ty_[A-Za-z0-9_-]{43}$`)

func TestFirstStartAndCreateKey(t *testing.T) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	vars := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	base, stderr, stop := startServe(t, dataDir, vars)

	// First start: an admin key, printed once and saved 0600.
	credPath := filepath.Join(dir, "config", "trainyard", "credentials.json")
	fi, err := os.Stat(credPath)
	if err != nil {
		t.Fatalf("credentials file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %v, want 0600", fi.Mode().Perm())
	}
	var cred client.Settings
	b, _ := os.ReadFile(credPath)
	if err := json.Unmarshal(b, &cred); err != nil || !keyPattern.MatchString(cred.APIKey) || cred.URL != base {
		t.Fatalf("credentials = %s (%v), want {url: %s, apiKey: ty_...}", b, err, base)
	}
	if !strings.Contains(stderr.String(), cred.APIKey) {
		t.Errorf("the first admin key was not printed to the terminal")
	}
	if n := strings.Count(stderr.String(), cred.APIKey); n != 1 {
		t.Errorf("the admin key appears %d times in the output, want exactly once (never in log lines)", n)
	}
	if code, email := me(t, base, cred.APIKey); code != http.StatusOK || email != "admin@example.com" {
		t.Errorf("users/me with the first key = %d %q, want 200 admin@example.com", code, email)
	}

	// admin create-key against the same SQLite file while the server runs; the server
	// honours the key at once.
	var out, errOut bytes.Buffer
	code := run(context.Background(), testEnv(&out, &errOut, vars),
		[]string{"admin", "create-key", "--email", "Carol@Example.com", "--role", "viewer", "--data-dir", dataDir})
	if code != 0 {
		t.Fatalf("admin create-key exit code = %d; stderr:\n%s", code, errOut.String())
	}
	key := strings.TrimSpace(out.String())
	if !keyPattern.MatchString(key) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("admin create-key stdout = %q, want the key alone on one line", out.String())
	}
	if status, email := me(t, base, key); status != http.StatusOK || email != "carol@example.com" {
		t.Errorf("users/me with the new key = %d %q, want 200 carol@example.com", status, email)
	}
	stop()

	// A second start finds users and makes no new key; the credentials file is untouched.
	_, stderr2, stop2 := startServe(t, dataDir, vars)
	stop2()
	if strings.Contains(stderr2.String(), "First start") {
		t.Errorf("second start created another admin key:\n%s", stderr2)
	}
	if b2, _ := os.ReadFile(credPath); !bytes.Equal(b, b2) {
		t.Errorf("credentials file changed on the second start")
	}
}

func TestCreateKeyUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"admin", "create-key", "--data-dir", dir},
		{"admin", "create-key", "--email", "a@example.com", "--role", "owner", "--data-dir", dir},
		{"admin"},
		{"nonsense"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), testEnv(&out, &errOut, nil), args); code != 2 || out.Len() != 0 {
			t.Errorf("run(%q) = %d with stdout %q, want exit code 2 and nothing on stdout", args, code, out.String())
		}
	}
}
