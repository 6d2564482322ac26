package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/oidc"
)

// openSessions enables Google sign-in when an OAuth client ID is configured: ID tokens are
// verified against the issuer and exchanged for our own session tokens, signed with a key
// derived from the data dir's link-signing secret (so replicas sharing that secret share
// sessions). Without a client ID it returns nil.
func openSessions(ctx context.Context, cfg config.Config) (*oidc.Sessions, error) {
	if cfg.OIDCClientID == "" {
		return nil, nil
	}
	secret, err := blob.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("session signing key: %w", err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("trainyard session tokens"))
	s, err := oidc.New(ctx, oidc.Config{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, SessionTTL: cfg.SessionTTL, SigningKey: mac.Sum(nil),
	})
	if err != nil {
		return nil, fmt.Errorf("google sign-in: %w", err)
	}
	return s, nil
}
