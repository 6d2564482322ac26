package server

import (
	"encoding/json"
	"net/http"
)

// authConfigPattern is the public route the web app reads before sign-in to learn which
// sign-in methods the server offers.
const authConfigPattern = "GET /api/v1/auth/config"

// authConfig is the body of GET /api/v1/auth/config.
type authConfig struct {
	// GoogleClientID is the OAuth client ID of Google sign-in, "" when it is not configured.
	GoogleClientID string `json:"googleClientId"`
}

// clientIDer is a SessionVerifier that knows the OAuth client its ID tokens are issued for
// (internal/oidc's Sessions).
type clientIDer interface {
	ClientID() string
}

// handleAuthConfig serves authConfigPattern. It needs no credential: the client ID is public
// (it is in every Google sign-in page that uses it) and the sign-in page needs it first.
func (s *Server) handleAuthConfig(w http.ResponseWriter, _ *http.Request) {
	var c authConfig
	if ci, ok := s.opts.Sessions.(clientIDer); ok {
		c.GoogleClientID = ci.ClientID()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(c)
}
