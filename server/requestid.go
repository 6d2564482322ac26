package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// RequestIDHeader carries the request (correlation) id. A client may send its own; the server
// makes one when it does not, returns it on every response, and logs it with every line about
// the request.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the request id of ctx, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID returns a copy of ctx carrying id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// validRequestID reports whether a client-sent id is safe to log and echo: 1 to 64 characters
// of [A-Za-z0-9._-].
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns a random 16-byte hex id.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestIDFromHeader returns the valid id in h, or a new one.
func requestIDFromHeader(h http.Header) string {
	if id := h.Get(RequestIDHeader); validRequestID(id) {
		return id
	}
	return newRequestID()
}

// withRequestIDHTTP is the outermost HTTP middleware: it settles the request id before any
// handler runs (rewriting the request header, so the REST gateway forwards it to the Connect
// handlers), puts it in the context and echoes it on the response.
func withRequestIDHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestIDFromHeader(r.Header)
		r.Header.Set(RequestIDHeader, id)
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(withRequestID(r.Context(), id)))
	})
}
