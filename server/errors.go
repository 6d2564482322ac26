package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/internal/store"
)

// codeOf maps the store's (and domain packages') error classes to Connect codes. Domain
// packages outside the store classify their errors by wrapping one of these classes.
var errorCodes = []struct {
	class error
	code  connect.Code
}{
	{store.ErrNotFound, connect.CodeNotFound},
	{store.ErrConflict, connect.CodeAlreadyExists},
	{store.ErrPermissionDenied, connect.CodePermissionDenied},
	{store.ErrFailedPrecondition, connect.CodeFailedPrecondition},
	{store.ErrInvalidArgument, connect.CodeInvalidArgument},
	{store.ErrUnauthenticated, connect.CodeUnauthenticated},
	{context.Canceled, connect.CodeCanceled},
	{context.DeadlineExceeded, connect.CodeDeadlineExceeded},
}

// internalMessage is all a client learns about an unexpected failure.
const internalMessage = "internal error; the server logged the details under request id %s"

// toConnectError returns err as a *connect.Error: Connect errors pass unchanged, classified
// domain errors get their code and their (caller-safe) message, and anything else is logged with
// the request id and becomes a generic Internal error that reveals nothing (no SQL, no stack).
func toConnectError(ctx context.Context, log *slog.Logger, procedure string, err error) *connect.Error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	for _, ec := range errorCodes {
		if !errors.Is(err, ec.class) {
			continue
		}
		msg := err.Error()
		var se *store.Error
		if errors.As(err, &se) {
			msg = se.Msg
		}
		return connect.NewError(ec.code, errors.New(msg))
	}
	id := RequestID(ctx)
	log.ErrorContext(ctx, "internal error", "procedure", procedure, "request_id", id, "err", err)
	return connect.NewError(connect.CodeInternal, fmt.Errorf(internalMessage, id))
}

// errorsInterceptor translates handler errors with toConnectError. It is the innermost link of
// the chain, so every outer link sees Connect codes.
type errorsInterceptor struct{ log *slog.Logger }

// WrapUnary implements connect.Interceptor.
func (i errorsInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err != nil {
			return nil, toConnectError(ctx, i.log, req.Spec().Procedure, err)
		}
		return res, nil
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (errorsInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i errorsInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := next(ctx, conn); err != nil {
			return toConnectError(ctx, i.log, conn.Spec().Procedure, err)
		}
		return nil
	}
}
