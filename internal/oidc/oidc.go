// Package oidc is Google sign-in for Trainyard: it verifies an OpenID Connect ID token from
// the configured issuer (Google by default; github.com/coreos/go-oidc checks the signature
// against the issuer's published keys, the audience, the expiry and the issuer), maps the
// verified identity to a Trainyard user, and issues Trainyard's own short-lived session token
// (an HS256 JWT, github.com/golang-jwt/jwt/v5) that the API accepts like an API key in
// "Authorization: Bearer". Sessions carry the user and the role; they expire after the
// configured TTL (an hour by default) and are not renewed: a client signs in again.
//
// The sign-in exchange is POST /api/v1/auth/google with {"idToken": "..."} (the token Google
// Identity Services gives a web client), answered with {"sessionToken", "expiresAt", "userId",
// "email", "role"}; see Handler.
package oidc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/store"
)

// GoogleIssuer is Google's OpenID Connect issuer.
const GoogleIssuer = "https://accounts.google.com"

// sessionIssuer is the iss and aud of the session tokens.
const sessionIssuer = "trainyard"

// MinKeyLen is the shortest session signing key accepted.
const MinKeyLen = 32

// Errors of sign-in and session checks; test with errors.Is.
var (
	// ErrInvalidIDToken means the ID token failed verification or lacks a verified email.
	ErrInvalidIDToken = errors.New("invalid ID token")
	// ErrInvalidSession means a session token is malformed, forged or expired.
	ErrInvalidSession = errors.New("invalid or expired session token")
)

// Config configures sign-in.
type Config struct {
	// Issuer is the OpenID Connect issuer (default GoogleIssuer).
	Issuer string
	// ClientID is the OAuth client ID the ID tokens must be issued for (required).
	ClientID string
	// HostedDomains, when set, admits only accounts of these Google Workspace domains (the
	// "hd" claim).
	HostedDomains []string
	// SessionTTL is the lifetime of a session (default 1h).
	SessionTTL time.Duration
	// SigningKey signs the session tokens (at least MinKeyLen bytes); every replica needs the
	// same key.
	SigningKey []byte
	// HTTPClient fetches the issuer's discovery document and keys (default http.DefaultClient).
	HTTPClient *http.Client
}

// Identity is a verified sign-in.
type Identity struct {
	// Issuer and Subject identify the account at the issuer for good.
	Issuer, Subject string
	// Email is the verified email address.
	Email string
	// Name is the display name, if the token has one.
	Name string
}

// Sessions verifies ID tokens and issues and verifies session tokens. It is safe for
// concurrent use.
type Sessions struct {
	cfg      Config
	verifier *gooidc.IDTokenVerifier
	now      func() time.Time
}

// New discovers the issuer (its /.well-known/openid-configuration) and returns Sessions.
func New(ctx context.Context, cfg Config) (*Sessions, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = GoogleIssuer
	}
	if cfg.ClientID == "" {
		return nil, errors.New("oidc: a client ID is required")
	}
	if len(cfg.SigningKey) < MinKeyLen {
		return nil, fmt.Errorf("oidc: session signing key has %d bytes, want at least %d", len(cfg.SigningKey), MinKeyLen)
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", cfg.Issuer, err)
	}
	return &Sessions{cfg: cfg, verifier: provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID}), now: time.Now}, nil
}

// ClientID returns the OAuth client ID the ID tokens must be issued for; the web app needs
// it to start Google sign-in.
func (s *Sessions) ClientID() string { return s.cfg.ClientID }

// WithClock returns a copy of s reading the time from now (tests).
func (s *Sessions) WithClock(now func() time.Time) *Sessions {
	c := *s
	c.now = now
	return &c
}

// VerifyIDToken checks an ID token and returns the identity it proves. The email must be
// verified, and in one of HostedDomains when they are set.
func (s *Sessions) VerifyIDToken(ctx context.Context, raw string) (Identity, error) {
	tok, err := s.verifier.Verify(gooidc.ClientContext(ctx, s.cfg.HTTPClient), raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // Google sends a bool; some issuers a string
		Name          string `json:"name"`
		HostedDomain  string `json:"hd"`
	}
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: claims: %v", ErrInvalidIDToken, err)
	}
	if claims.Email == "" || !(claims.EmailVerified == true || claims.EmailVerified == "true") {
		return Identity{}, fmt.Errorf("%w: the account has no verified email", ErrInvalidIDToken)
	}
	if len(s.cfg.HostedDomains) > 0 && !slices.Contains(s.cfg.HostedDomains, claims.HostedDomain) {
		return Identity{}, fmt.Errorf("%w: accounts of %q may not sign in", ErrInvalidIDToken, claims.HostedDomain)
	}
	return Identity{Issuer: tok.Issuer, Subject: tok.Subject, Email: claims.Email, Name: claims.Name}, nil
}

// sessionClaims are the claims of a session token.
type sessionClaims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// Issue returns a session token for the viewer, valid for the session TTL, and its expiry.
// A model-scoped viewer cannot have a session.
func (s *Sessions) Issue(v store.Viewer) (string, time.Time, error) {
	if v.ModelScope != uuid.Nil {
		return "", time.Time{}, errors.New("oidc: model-scoped viewers get API keys, not sessions")
	}
	now := s.now().UTC().Truncate(time.Second)
	exp := now.Add(s.cfg.SessionTTL)
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, sessionClaims{Role: string(v.Role), RegisteredClaims: jwt.RegisteredClaims{
		Issuer: sessionIssuer, Audience: jwt.ClaimStrings{sessionIssuer}, Subject: v.UserID.String(),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		ID: hex.EncodeToString(jti),
	}})
	signed, err := tok.SignedString(s.cfg.SigningKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign session: %w", err)
	}
	return signed, exp, nil
}

// VerifySession checks a session token and returns its viewer. Errors wrap ErrInvalidSession.
func (s *Sessions) VerifySession(_ context.Context, token string) (store.Viewer, error) {
	var c sessionClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.cfg.SigningKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(sessionIssuer),
		jwt.WithAudience(sessionIssuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return store.Viewer{}, fmt.Errorf("%w: %v", ErrInvalidSession, err)
	}
	v, err := viewerOf(c)
	if err != nil {
		return store.Viewer{}, fmt.Errorf("%w: %v", ErrInvalidSession, err)
	}
	return v, nil
}

// LooksLikeSession reports whether a bearer token has the shape of a JWT (three dot-separated
// parts) rather than of an API key, which has no dots.
func LooksLikeSession(token string) bool { return strings.Count(token, ".") == 2 }
