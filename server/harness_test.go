package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/pgtest"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// backend is a store the suite runs against.
type backend struct {
	name string
	url  func(t testing.TB) string
}

// backends are SQLite in a temp dir, and Postgres when TRAINYARD_TEST_POSTGRES_URL is set.
var backends = []backend{
	{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "trainyard.db") }},
	{"postgres", func(t testing.TB) string { return pgtest.New(t) }},
}

// forEachBackend runs fn once per store backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, url string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" && os.Getenv(pgtest.EnvVar) == "" {
				t.Skip(pgtest.EnvVar + " not set")
			}
			fn(t, b.url(t))
		})
	}
}

// harness is a real server on 127.0.0.1:0 over a real store.
type harness struct {
	t     testing.TB
	st    *store.Store
	srv   *server.Server
	base  string
	addr  string
	serve chan error
}

// options tune newHarness.
type options struct {
	rateLimit int
	maxActive int
}

// newHarness opens the store at dbURL and serves it until the test ends.
func newHarness(t testing.TB, dbURL string, o options) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, store.Options{PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("store.Open(%q) = %v", dbURL, err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, server.Options{
		Store: st, Logger: log, PublicURL: "http://test", RateLimit: o.rateLimit, MaxActiveProjects: o.maxActive,
	})
	if err != nil {
		t.Fatalf("server.New = %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: st, srv: srv, addr: ln.Addr().String(), base: "http://" + ln.Addr().String(), serve: make(chan error, 1)}
	go func() { h.serve <- srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	})
	return h
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// user is a test user with one key.
type user struct {
	id  uuid.UUID
	key string
}

// newUser creates a user (if new) and a key with role.
func (h *harness) newUser(email string, role store.Role) user {
	h.t.Helper()
	sys := store.SystemContext(context.Background())
	u, err := h.st.GetOrCreateUser(sys, email, "", store.RoleMember)
	if err != nil {
		h.t.Fatalf("GetOrCreateUser(%q) = %v", email, err)
	}
	secret, _, err := h.st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, Role: role, DisplayName: "test"})
	if err != nil {
		h.t.Fatalf("CreateAPIKey = %v", err)
	}
	return user{id: u.ID, key: secret}
}

// newDataset records a dataset owned by u.
func (h *harness) newDataset(u user) string {
	h.t.Helper()
	ctx := store.WithViewer(context.Background(), store.Viewer{UserID: u.id, Role: store.RoleMember})
	d, err := h.st.CreateDataset(ctx, store.NewDataset{DisplayName: "churn.csv", DataType: store.DataTypeTabular, NumRows: 10, NumColumns: 3, Labeled: true})
	if err != nil {
		h.t.Fatalf("CreateDataset = %v", err)
	}
	return d.ID.String()
}

// h2cClient is an HTTP client that speaks HTTP/2 without TLS (and HTTP/1.1 when asked).
func h2cClient() *http.Client {
	tr := &http.Transport{}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}
