package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/trainyard/trainyard/internal/store"
)

// Route is a hand-written HTTP route (uploads, downloads, reports) served behind the same checks
// as the RPCs: request id, panic recovery, logs and metrics, API-key authentication, the
// per-user rate limit and the role check. The handler finds the caller's viewer in the request
// context (store.ViewerFrom) and should write errors with WriteError and messages with
// WriteProto, so its responses look like the REST gateway's.
type Route struct {
	// Pattern is an http.ServeMux pattern with a method, e.g. "POST /api/v1/data/upload".
	Pattern string
	// Handler serves the route.
	Handler http.Handler
	// Write marks routes that change something: viewer keys are refused (403).
	Write bool
	// ModelScoped marks routes a key limited to one model may call; such routes must check the
	// model themselves (the store's privacy rules do too).
	ModelScoped bool
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// guardRoute wraps a hand-written route in the middleware chain.
func (s *Server) guardRoute(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		ctx := r.Context()
		ci := new(callInfo)
		ctx = context.WithValue(ctx, callInfoKey{}, ci)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic in handler", "route", rt.Pattern, "request_id", RequestID(ctx),
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.writeConnectError(rec, connect.NewError(connect.CodeInternal, fmt.Errorf(internalMessage, RequestID(ctx))))
				}
			}
			d := time.Since(start)
			st := rec.status
			if st == 0 {
				st = http.StatusOK
			}
			s.metrics.http.WithLabelValues(rt.Pattern, strconv.Itoa(st)).Inc()
			s.metrics.httpDur.WithLabelValues(rt.Pattern).Observe(d.Seconds())
			attrs := []slog.Attr{slog.String("route", rt.Pattern), slog.Int("status", st),
				slog.Duration("duration", d), slog.String("request_id", RequestID(ctx))}
			if ci.user != "" {
				attrs = append(attrs, slog.String("user", ci.user), slog.String("role", ci.role))
			}
			level := slog.LevelInfo
			if st >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "http", attrs...)
		}()

		ctx, err := s.auth.authenticate(ctx, rt.Pattern, r.Header)
		if err == nil {
			err = s.limiter.check(ctx)
		}
		if err == nil {
			err = routeAccess(ctx, rt)
		}
		if err != nil {
			s.WriteError(rec, r.WithContext(ctx), err)
			return
		}
		rt.Handler.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// routeAccess applies the role and model-scope rules to a hand-written route.
func routeAccess(ctx context.Context, rt Route) error {
	v, _ := store.ViewerFrom(ctx)
	if v.Scoped() && !rt.ModelScoped {
		return connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("this API key may only call predictions of model %s", v.ModelScope))
	}
	if rt.Write && v.ReadOnly() {
		return connect.NewError(connect.CodePermissionDenied,
			errors.New("this API key has the viewer role, which is read-only; use a member or admin key"))
	}
	return nil
}

// WriteError writes err the way the REST gateway does: a google.rpc.Status in JSON with the
// HTTP status of its code (domain errors are classified, unknown ones logged and hidden as
// Internal), plus Retry-After and WWW-Authenticate where they apply.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.writeConnectError(w, toConnectError(r.Context(), s.log, r.Method+" "+r.URL.Path, err))
}

// writeConnectError writes a Connect error as JSON.
func (s *Server) writeConnectError(w http.ResponseWriter, ce *connect.Error) {
	st := &status.Status{Code: int32(ce.Code()), Message: ce.Message()}
	for _, d := range ce.Details() {
		st.Details = append(st.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type(), Value: d.Bytes()})
	}
	for k, vs := range ce.Meta() {
		if k == "Retry-After" {
			w.Header()[k] = vs
		}
	}
	httpStatus := httpStatusOf(ce.Code())
	if httpStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="trainyard"`)
	}
	body, err := protojson.Marshal(st)
	if err != nil {
		body = []byte(`{"code":13,"message":"failed to marshal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(body)
}

// WriteProto writes msg as protojson (camelCase), like the REST gateway.
func (s *Server) WriteProto(w http.ResponseWriter, r *http.Request, code int, msg proto.Message) {
	body, err := protojson.Marshal(msg)
	if err != nil {
		s.WriteError(w, r, fmt.Errorf("marshal %T: %w", msg, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// httpStatusOf maps a Connect code to the HTTP status the REST gateway uses for it.
func httpStatusOf(c connect.Code) int {
	switch c {
	case connect.CodeCanceled:
		return 499
	case connect.CodeInvalidArgument, connect.CodeFailedPrecondition, connect.CodeOutOfRange:
		return http.StatusBadRequest
	case connect.CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case connect.CodeNotFound:
		return http.StatusNotFound
	case connect.CodeAlreadyExists, connect.CodeAborted:
		return http.StatusConflict
	case connect.CodePermissionDenied:
		return http.StatusForbidden
	case connect.CodeUnauthenticated:
		return http.StatusUnauthorized
	case connect.CodeResourceExhausted:
		return http.StatusTooManyRequests
	case connect.CodeUnimplemented:
		return http.StatusNotImplemented
	case connect.CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
