package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/internal/store"
)

// missingKeyMessage tells a caller without a key how to get one.
const missingKeyMessage = `missing API key: send the header "Authorization: Bearer <key>"; ` +
	"the first `trainyard serve` saved an admin key in ~/.config/trainyard/credentials.json, " +
	"and `trainyard admin create-key --email you@example.com` makes more"

// SessionVerifier checks a session token (a JWT issued after sign-in, see internal/oidc) and
// returns its viewer.
type SessionVerifier interface {
	VerifySession(ctx context.Context, token string) (store.Viewer, error)
}

// authenticator turns an Authorization header into a viewer: an API key through the store,
// or a session token (three dot-separated parts; keys have no dots) through sessions.
type authenticator struct {
	store    *store.Store
	log      *slog.Logger
	sessions SessionVerifier
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(h http.Header) (string, error) {
	v := h.Get("Authorization")
	if v == "" {
		return "", connect.NewError(connect.CodeUnauthenticated, errors.New(missingKeyMessage))
	}
	scheme, token, ok := strings.Cut(v, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", connect.NewError(connect.CodeUnauthenticated,
			errors.New(`malformed Authorization header: want "Bearer <API key>"`))
	}
	return token, nil
}

// authenticate returns ctx with the viewer of the request's API key.
func (a authenticator) authenticate(ctx context.Context, procedure string, h http.Header) (context.Context, error) {
	token, err := bearer(h)
	if err != nil {
		return ctx, err
	}
	var v store.Viewer
	if a.sessions != nil && strings.Count(token, ".") == 2 {
		if v, err = a.sessions.VerifySession(ctx, token); err != nil {
			return ctx, connect.NewError(connect.CodeUnauthenticated, errors.New("invalid or expired session token: sign in again"))
		}
	} else if v, _, err = a.store.Authenticate(ctx, token); err != nil {
		return ctx, toConnectError(ctx, a.log, procedure, err)
	}
	ci := callInfoFrom(ctx)
	ci.user, ci.role = v.UserID.String(), string(v.Role)
	return store.WithViewer(ctx, v), nil
}

// authInterceptor requires a valid API key on every call and puts its viewer in the context.
type authInterceptor struct{ a authenticator }

// WrapUnary implements connect.Interceptor.
func (i authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, err := i.a.authenticate(ctx, req.Spec().Procedure, req.Header())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := i.a.authenticate(ctx, conn.Spec().Procedure, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// HandleSignIn serves a sign-in exchange (internal/oidc's Handler) at pattern without a
// credential, since it is how a browser gets one.
func (s *Server) HandleSignIn(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }
