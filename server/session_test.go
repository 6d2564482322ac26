package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/internal/oidc"
	"github.com/trainyard/trainyard/internal/oidc/oidctest"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/server"
)

// TestOIDCSessionAuthenticatesREST signs in with a local issuer's ID token and calls the API
// with the session token, next to an API key.
func TestOIDCSessionAuthenticatesREST(t *testing.T) {
	ctx := context.Background()
	is := oidctest.Start(t)
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sessions, err := oidc.New(ctx, oidc.Config{Issuer: is.URL(), ClientID: oidctest.ClientID, HTTPClient: is.Server.Client(),
		SigningKey: bytes.Repeat([]byte("k"), 32), SessionTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: st, PublicURL: "http://test", Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	srv.HandleSignIn("POST /api/v1/auth/google", oidc.Handler(sessions, st, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	base := "http://" + ln.Addr().String()

	body, _ := json.Marshal(map[string]string{"idToken": is.Token(t, nil, nil)})
	resp, err := http.Post(base+"/api/v1/auth/google", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ SessionToken string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out.SessionToken == "" {
		t.Fatalf("sign-in = %d, token %q", resp.StatusCode, out.SessionToken)
	}
	get := func(token string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/projects", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if code := get(out.SessionToken); code != 200 {
		t.Errorf("GET /api/v1/projects with the session = %d, want 200", code)
	}
	forged := out.SessionToken[:strings.LastIndex(out.SessionToken, ".")+1] + "AAAA"
	if code := get(forged); code != 401 {
		t.Errorf("GET with a forged session = %d, want 401", code)
	}
	if code := get(""); code != 401 {
		t.Errorf("GET without a credential = %d, want 401", code)
	}
	u, err := st.GetUserByEmail(store.SystemContext(ctx), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := st.CreateAPIKey(store.SystemContext(ctx), store.NewAPIKey{OwnerID: u.ID, Role: store.RoleViewer, DisplayName: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if code := get(key); code != 200 {
		t.Errorf("GET with an API key next to sessions = %d, want 200", code)
	}
}
