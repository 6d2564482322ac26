// Package oidctest is a local OpenID Connect issuer for tests: an httptest server that serves
// the discovery document and the JWKS of a generated RSA key, and signs ID tokens with it.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ClientID is the audience of the tokens Issuer signs by default.
const ClientID = "client-1.apps.example.com"

// Issuer is a running issuer.
type Issuer struct {
	// Server serves discovery at /.well-known/openid-configuration and keys at /oauth2/v3/certs.
	Server *httptest.Server
	// Key signs the ID tokens.
	Key *rsa.PrivateKey
	kid string
}

// Start serves a fresh issuer until the test ends.
func Start(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &Issuer{Key: key, kid: "k1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL(), "jwks_uri": is.URL() + "/oauth2/v3/certs",
			"authorization_endpoint": is.URL() + "/o/oauth2/v2/auth", "token_endpoint": is.URL() + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code", "id_token"},
			"subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /oauth2/v3/certs", func(w http.ResponseWriter, r *http.Request) {
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": is.kid,
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Server.Close)
	return is
}

// URL returns the issuer's URL.
func (is *Issuer) URL() string { return is.Server.URL }

// Token signs an ID token for a verified account ada@example.com (subject
// 110169484474386276334, audience ClientID, valid for an hour) with key (nil: the issuer's);
// over replaces claims, and a nil value removes one.
func (is *Issuer) Token(t testing.TB, key *rsa.PrivateKey, over map[string]any) string {
	t.Helper()
	if key == nil {
		key = is.Key
	}
	now := time.Now()
	c := jwt.MapClaims{
		"iss": is.URL(), "aud": ClientID, "sub": "110169484474386276334",
		"email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = is.kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
