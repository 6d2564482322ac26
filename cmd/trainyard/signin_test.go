package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/trainyard/trainyard/internal/oidc/oidctest"
)

// TestOIDCSignInThroughServe: with --oidc-client-id, serve exchanges a Google ID token for a
// session token that authenticates API calls like a key.
func TestOIDCSignInThroughServe(t *testing.T) {
	issuer := oidctest.Start(t)
	base, _, stop := startServe(t, t.TempDir(), map[string]string{
		"TRAINYARD_OIDC_CLIENT_ID": oidctest.ClientID,
		"TRAINYARD_OIDC_ISSUER":    issuer.URL(),
		"XDG_CONFIG_HOME":          t.TempDir(),
	})
	defer stop()
	body, _ := json.Marshal(map[string]string{"idToken": issuer.Token(t, nil, nil)})
	res, err := http.Post(base+"/api/v1/auth/google", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != http.StatusOK || got.SessionToken == "" {
		t.Fatalf("sign-in = %d, %+v, %v; want 200 with a session token", res.StatusCode, got, err)
	}
	if code, email := me(t, base, got.SessionToken); code != http.StatusOK || email != "ada@example.com" {
		t.Errorf("GET /users/me with the session = %d %q, want 200 ada@example.com", code, email)
	}
	if code, _ := me(t, base, got.SessionToken+"x"); code != http.StatusUnauthorized {
		t.Errorf("GET /users/me with a forged session = %d, want 401", code)
	}
	// The bad token must not be accepted by the sign-in route either.
	bad, _ := json.Marshal(map[string]string{"idToken": issuer.Token(t, nil, map[string]any{"aud": "someone-else"})})
	res2, err := http.Post(base+"/api/v1/auth/google", "application/json", bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode == http.StatusOK {
		t.Error("sign-in with a token for another audience succeeded")
	}
}
