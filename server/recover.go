package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"connectrpc.com/connect"
)

// recoverInterceptor turns a panicking handler into an Internal error: the panic and its stack
// go to the log with the request id, the client gets the generic message. It is the outermost
// link of the chain.
type recoverInterceptor struct{ log *slog.Logger }

// recovered logs a recovered panic value and returns the error the client sees.
func (i recoverInterceptor) recovered(ctx context.Context, procedure string, p any) error {
	id := RequestID(ctx)
	i.log.ErrorContext(ctx, "panic in handler", "procedure", procedure, "request_id", id,
		"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return connect.NewError(connect.CodeInternal, fmt.Errorf(internalMessage, id))
}

// WrapUnary implements connect.Interceptor.
func (i recoverInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (res connect.AnyResponse, err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				res, err = nil, i.recovered(ctx, req.Spec().Procedure, p)
			}
		}()
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (recoverInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i recoverInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err = i.recovered(ctx, conn.Spec().Procedure, p)
			}
		}()
		return next(ctx, conn)
	}
}
