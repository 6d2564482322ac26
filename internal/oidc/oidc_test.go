package oidc_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/oidc"
	"github.com/trainyard/trainyard/internal/oidc/oidctest"
	"github.com/trainyard/trainyard/internal/store"
)

// signingKey is a 32-byte session key.
var signingKey = []byte("0123456789abcdef0123456789abcdef")

// setup returns an issuer, sessions trusting it and a fresh store.
func setup(t *testing.T, cfg oidc.Config) (*oidctest.Issuer, *oidc.Sessions, *store.Store) {
	t.Helper()
	is := oidctest.Start(t)
	cfg.Issuer, cfg.ClientID, cfg.SigningKey, cfg.HTTPClient = is.URL(), oidctest.ClientID, signingKey, is.Server.Client()
	s, err := oidc.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return is, s, st
}

// signIn posts an ID token to the handler.
func signIn(t *testing.T, h http.Handler, idToken string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"idToken": idToken})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/auth/google", bytes.NewReader(body)))
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestOIDCSignInIssuesSession(t *testing.T) {
	is, s, st := setup(t, oidc.Config{SessionTTL: 10 * time.Minute})
	h := oidc.Handler(s, st, nil)
	code, out := signIn(t, h, is.Token(t, nil, nil))
	if code != 200 {
		t.Fatalf("sign-in = %d %v, want 200", code, out)
	}
	tok, _ := out["sessionToken"].(string)
	if !oidc.LooksLikeSession(tok) || out["email"] != "ada@example.com" || out["role"] != string(store.RoleMember) {
		t.Fatalf("sign-in answer = %v", out)
	}
	exp, _ := time.Parse(time.RFC3339, out["expiresAt"].(string))
	if d := time.Until(exp); d < 9*time.Minute || d > 10*time.Minute {
		t.Errorf("session expires in %v, want 10m", d)
	}
	v, err := s.VerifySession(context.Background(), tok)
	if err != nil || v.UserID.String() != out["userId"] || v.Role != store.RoleMember {
		t.Fatalf("VerifySession = %+v, %v", v, err)
	}
	u, err := st.GetUserByEmail(store.SystemContext(context.Background()), "ada@example.com")
	if err != nil || u.OidcSubject == nil || *u.OidcSubject != is.URL()+"|110169484474386276334" || u.DisplayName != "Ada Lovelace" {
		t.Fatalf("user = %+v, %v; want linked to the identity", u, err)
	}
	// Signing in again (even after an email change at the issuer) finds the same user.
	_, out2 := signIn(t, h, is.Token(t, nil, map[string]any{"email": "ada.l@example.com"}))
	if out2["userId"] != out["userId"] {
		t.Errorf("second sign-in user = %v, want %v", out2["userId"], out["userId"])
	}
	// The session expires.
	late := s.WithClock(func() time.Time { return time.Now().Add(11 * time.Minute) })
	if _, err := late.VerifySession(context.Background(), tok); !errors.Is(err, oidc.ErrInvalidSession) {
		t.Errorf("VerifySession after expiry = %v, want ErrInvalidSession", err)
	}
}

func TestOIDCRejectsBadIDTokens(t *testing.T) {
	is, s, st := setup(t, oidc.Config{HostedDomains: []string{"example.com"}})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	h := oidc.Handler(s, st, nil)
	hour := time.Now().Add(-2 * time.Hour)
	for name, tok := range map[string]string{
		"other audience":    is.Token(t, nil, map[string]any{"aud": "someone-else"}),
		"other issuer":      is.Token(t, nil, map[string]any{"iss": "https://evil.example.com"}),
		"expired":           is.Token(t, nil, map[string]any{"iat": hour.Unix(), "exp": hour.Add(time.Hour).Unix()}),
		"foreign key":       is.Token(t, other, nil),
		"unverified email":  is.Token(t, nil, map[string]any{"email_verified": false}),
		"no email":          is.Token(t, nil, map[string]any{"email": nil}),
		"other domain":      is.Token(t, nil, map[string]any{"hd": "gmail.com"}),
		"hmac with the key": hmacToken(t, is),
		"garbage":           "not.a.token",
	} {
		if name == "other domain" {
			// the default claims carry no hd at all, which is refused too
			if code, _ := signIn(t, h, is.Token(t, nil, nil)); code != 401 {
				t.Errorf("sign-in without hd = %d, want 401", code)
			}
		}
		if code, out := signIn(t, h, tok); code != 401 {
			t.Errorf("sign-in with %s = %d %v, want 401", name, code, out)
		}
	}
	if code, _ := signIn(t, h, is.Token(t, nil, map[string]any{"hd": "example.com"})); code != 200 {
		t.Errorf("sign-in of example.com = %d, want 200", code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(`{"token":"x"}`)))
	if rec.Code != 400 {
		t.Errorf("sign-in with a bad body = %d, want 400", rec.Code)
	}
}

// hmacToken forges a token signed with HS256 (a classic algorithm-confusion attempt).
func hmacToken(t *testing.T, is *oidctest.Issuer) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": is.URL(), "aud": "client-1.apps.example.com", "sub": "1",
		"email": "x@example.com", "email_verified": true, "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(is.Key.N.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOIDCRejectsForgedSessions(t *testing.T) {
	_, s, _ := setup(t, oidc.Config{})
	v := store.Viewer{UserID: uuid.New(), Role: store.RoleAdmin}
	tok, _, err := s.Issue(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.VerifySession(context.Background(), tok)
	if err != nil || got != v {
		t.Fatalf("VerifySession = %+v, %v; want %+v", got, err, v)
	}
	parts := strings.Split(tok, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
	escalated := base64.RawURLEncoding.EncodeToString(bytes.Replace(claims, []byte(`"ADMIN"`), []byte(`"VIEWER"`), 1))
	if escalated == parts[1] {
		t.Fatal("tampering changed nothing")
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := jwt.MapClaims{"iss": "trainyard", "aud": "trainyard", "sub": v.UserID.String(), "role": string(store.RoleAdmin), "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	without := func(k string) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			if kk != k {
				c[kk] = vv
			}
		}
		return c
	}
	for name, bad := range map[string]string{
		"tampered claims": parts[0] + "." + escalated + "." + parts[2],
		"other key":       sign(jwt.SigningMethodHS256, []byte("another-key-another-key-another-k"), good),
		"alg none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good),
		"no expiry":       sign(jwt.SigningMethodHS256, signingKey, without("exp")),
		"other audience":  sign(jwt.SigningMethodHS256, signingKey, jwt.MapClaims{"iss": "trainyard", "aud": "x", "sub": v.UserID.String(), "role": string(store.RoleAdmin), "exp": time.Now().Add(time.Hour).Unix()}),
		"unknown role":    sign(jwt.SigningMethodHS256, signingKey, jwt.MapClaims{"iss": "trainyard", "aud": "trainyard", "sub": v.UserID.String(), "role": "root", "exp": time.Now().Add(time.Hour).Unix()}),
		"not a user":      sign(jwt.SigningMethodHS256, signingKey, jwt.MapClaims{"iss": "trainyard", "aud": "trainyard", "sub": "ada", "role": string(store.RoleAdmin), "exp": time.Now().Add(time.Hour).Unix()}),
	} {
		if _, err := s.VerifySession(context.Background(), bad); !errors.Is(err, oidc.ErrInvalidSession) {
			t.Errorf("VerifySession(%s) = %v, want ErrInvalidSession", name, err)
		}
	}
	if _, _, err := s.Issue(store.Viewer{UserID: uuid.New(), Role: store.RoleMember, ModelScope: uuid.New()}); err == nil {
		t.Error("Issue(model-scoped) = nil error")
	}
	if oidc.LooksLikeSession(strings.Repeat("a", 40)) {
		t.Error("an API key looks like a session")
	}
}

func TestOIDCIdentityConflict(t *testing.T) {
	is, s, st := setup(t, oidc.Config{})
	h := oidc.Handler(s, st, nil)
	if code, _ := signIn(t, h, is.Token(t, nil, nil)); code != 200 {
		t.Fatal(code)
	}
	// Another account at the issuer claiming the same email cannot take the user over.
	code, out := signIn(t, h, is.Token(t, nil, map[string]any{"sub": "999"}))
	if code != 409 {
		t.Errorf("sign-in of another identity with a linked email = %d %v, want 409", code, out)
	}
	if _, err := oidc.New(context.Background(), oidc.Config{Issuer: is.URL(), ClientID: "c", SigningKey: []byte("short")}); err == nil {
		t.Error("New with a short key = nil error")
	}
}
