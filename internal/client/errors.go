package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"connectrpc.com/connect"
)

// Explain rewrites an error from a call into one that says what to do: a server that cannot
// be reached or is not Trainyard, a missing key, a key the server rejects. Other errors are
// returned as they are (a *connect.Error keeps its code and message).
func (c *Client) Explain(err error) error {
	if err == nil {
		return nil
	}
	s := c.settings
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isUnreachable(err) {
		return fmt.Errorf("cannot reach a Trainyard server at %s (from %s): is `trainyard serve` running there? "+
			"Check --url, TRAINYARD_URL or `trainyard login --url URL`: %w", s.URL, s.URLFrom, err)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Code() {
	case connect.CodeUnauthenticated:
		if s.APIKey == "" {
			return s.RequireKey()
		}
		return fmt.Errorf("the server at %s rejected the API key from %s (expired, revoked or mistyped): "+
			"ask an admin for a new one (`trainyard admin create-key --email you@example.com`) and run "+
			"`trainyard login --url %s`: %w", s.URL, s.KeyFrom, s.URL, err)
	case connect.CodePermissionDenied:
		return fmt.Errorf("the API key from %s may not do this (a viewer key, or one limited to one model): %w", s.KeyFrom, err)
	}
	if notTrainyard(ce) {
		return fmt.Errorf("%s does not answer like a Trainyard server (wrong URL, path or port? from %s): %w", s.URL, s.URLFrom, err)
	}
	return err
}

// notTrainyard reports whether a call's error is an HTTP answer that no Connect handler gave:
// a 404 or 405 from a wrong path, or another server's page.
func notTrainyard(ce *connect.Error) bool {
	if ce.Code() != connect.CodeUnimplemented && ce.Code() != connect.CodeUnknown {
		return false
	}
	m := ce.Message()
	return strings.Contains(m, "404") || strings.Contains(m, "405") || strings.Contains(m, "content-type")
}

// isUnreachable reports whether err means nothing answered at the URL.
func isUnreachable(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// retryable reports whether a watch should reconnect after err: the connection dropped (an
// error the client raised itself, such as a truncated message or a reset stream) or the server
// said it was briefly unavailable, rather than the request being wrong.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if isUnreachable(err) {
		return true
	}
	var ce *connect.Error
	if errors.As(err, &ce) && !connect.IsWireError(ce) {
		return true
	}
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeUnknown, connect.CodeInternal, connect.CodeAborted,
		connect.CodeResourceExhausted, connect.CodeDeadlineExceeded:
		return true
	}
	return false
}
