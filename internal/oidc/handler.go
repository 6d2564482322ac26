package oidc

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/trainyard/trainyard/internal/store"
)

// signInRequest is the body of POST /api/v1/auth/google.
type signInRequest struct {
	IDToken string `json:"idToken"`
}

// signInResponse is its answer.
type signInResponse struct {
	SessionToken string    `json:"sessionToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
	UserID       string    `json:"userId"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
}

// Handler serves the sign-in exchange: an ID token in, a session token out. It needs no API
// key (it is how a browser gets a credential); a bad token is 401, a conflicting account 409.
func Handler(s *Sessions, st *store.Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req signInRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.IDToken == "" {
			writeError(w, http.StatusBadRequest, 3, "want a JSON body {\"idToken\": \"...\"}")
			return
		}
		id, err := s.VerifyIDToken(r.Context(), req.IDToken)
		if err != nil {
			log.InfoContext(r.Context(), "sign-in refused", "err", err)
			writeError(w, http.StatusUnauthorized, 16, "the ID token was not accepted")
			return
		}
		v, err := SignIn(r.Context(), st, id)
		if errors.Is(err, ErrIdentityConflict) {
			writeError(w, http.StatusConflict, 6, err.Error())
			return
		}
		if err != nil {
			log.ErrorContext(r.Context(), "sign-in", "err", err)
			writeError(w, http.StatusInternalServerError, 13, "internal error")
			return
		}
		tok, exp, err := s.Issue(v)
		if err != nil {
			log.ErrorContext(r.Context(), "issue session", "err", err)
			writeError(w, http.StatusInternalServerError, 13, "internal error")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(signInResponse{SessionToken: tok, ExpiresAt: exp, UserID: v.UserID.String(), Email: id.Email, Role: string(v.Role)})
	})
}

// writeError writes a JSON error like the REST gateway's: {"code": gRPC code, "message"}.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}
