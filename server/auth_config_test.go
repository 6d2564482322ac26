package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/trainyard/trainyard/internal/oidc"
	"github.com/trainyard/trainyard/internal/oidc/oidctest"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// TestAuthConfig: GET /api/v1/auth/config needs no credential and tells the web app the Google
// client ID exactly when Google sign-in is configured.
func TestAuthConfig(t *testing.T) {
	ctx := context.Background()
	is := oidctest.Start(t)
	sessions, err := oidc.New(ctx, oidc.Config{Issuer: is.URL(), ClientID: oidctest.ClientID, HTTPClient: is.Server.Client(),
		SigningKey: bytes.Repeat([]byte("k"), 32), SessionTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		sessions server.SessionVerifier
		want     string
	}{
		{"api keys only", nil, ""},
		{"google", sessions, oidctest.ClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			opts := server.Options{Store: st, PublicURL: "http://test"}
			if tc.sessions != nil {
				opts.Sessions = tc.sessions
			}
			srv, err := server.New(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()

			resp, err := http.Get(ts.URL + "/api/v1/auth/config") // no Authorization header
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /api/v1/auth/config = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			got, ok := body["googleClientId"].(string)
			if !ok || got != tc.want {
				t.Errorf("googleClientId = %#v, want %q (body %v)", body["googleClientId"], tc.want, body)
			}
			if len(body) != 1 {
				t.Errorf("body has %d fields, want only googleClientId: %v", len(body), body)
			}
		})
	}
}
