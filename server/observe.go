package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// viaHeader marks calls the REST gateway makes on a client's behalf, so logs and metrics can
// tell REST from gRPC. It only labels; it grants nothing.
const viaHeader = "X-Trainyard-Via"

// metrics are the server's Prometheus collectors.
type metrics struct {
	rpcs        *prometheus.CounterVec
	rpcDuration *prometheus.HistogramVec
	http        *prometheus.CounterVec
	httpDur     *prometheus.HistogramVec
}

// newMetrics registers the collectors on reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trainyard_rpc_requests_total",
			Help: "RPCs handled, by procedure, protocol and Connect code.",
		}, []string{"procedure", "protocol", "code"}),
		rpcDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trainyard_rpc_duration_seconds",
			Help:    "RPC latency (for streams, the stream's lifetime), by procedure and code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"procedure", "code"}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trainyard_http_requests_total",
			Help: "Requests to the hand-written HTTP routes, by route and status.",
		}, []string{"route", "status"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trainyard_http_duration_seconds",
			Help:    "Latency of the hand-written HTTP routes, by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"route"}),
	}
	reg.MustRegister(m.rpcs, m.rpcDuration, m.http, m.httpDur)
	return m
}

// callInfo collects what later links of the chain learn about a call (who made it), for the
// log line the observing link writes when the call ends.
type callInfo struct {
	user string
	role string
}

type callInfoKey struct{}

// callInfoFrom returns the call's info holder, or a throwaway one.
func callInfoFrom(ctx context.Context) *callInfo {
	if ci, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
		return ci
	}
	return new(callInfo)
}

// codeString names the Connect code of err ("ok" for nil).
func codeString(err error) string {
	if err == nil {
		return "ok"
	}
	return connect.CodeOf(err).String()
}

// observeInterceptor logs one structured line per call and records its metrics.
type observeInterceptor struct {
	log *slog.Logger
	m   *metrics
}

// protocolOf returns the wire protocol, or "rest" for the gateway's calls.
func protocolOf(peer connect.Peer, h interface{ Get(string) string }) string {
	if h.Get(viaHeader) == "rest" {
		return "rest"
	}
	return peer.Protocol
}

// done logs and counts a finished call.
func (i observeInterceptor) done(ctx context.Context, procedure, protocol string, start time.Time, ci *callInfo, err error) {
	d := time.Since(start)
	code := codeString(err)
	i.m.rpcs.WithLabelValues(procedure, protocol, code).Inc()
	i.m.rpcDuration.WithLabelValues(procedure, code).Observe(d.Seconds())
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.String("procedure", procedure), slog.String("protocol", protocol), slog.String("code", code),
		slog.Duration("duration", d), slog.String("request_id", RequestID(ctx)),
	}
	if ci.user != "" {
		attrs = append(attrs, slog.String("user", ci.user), slog.String("role", ci.role))
	}
	if err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) && ce.Code() != connect.CodeInternal {
			attrs = append(attrs, slog.String("error", ce.Message()))
		}
		if connect.CodeOf(err) == connect.CodeInternal || connect.CodeOf(err) == connect.CodeUnknown {
			level = slog.LevelError
		}
	}
	i.log.LogAttrs(ctx, level, "rpc", attrs...)
}

// WrapUnary implements connect.Interceptor.
func (i observeInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		ci := new(callInfo)
		res, err := next(context.WithValue(ctx, callInfoKey{}, ci), req)
		i.done(ctx, req.Spec().Procedure, protocolOf(req.Peer(), req.Header()), start, ci, err)
		return res, err
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (observeInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i observeInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		ci := new(callInfo)
		err := next(context.WithValue(ctx, callInfoKey{}, ci), conn)
		i.done(ctx, conn.Spec().Procedure, protocolOf(conn.Peer(), conn.RequestHeader()), start, ci, err)
		return err
	}
}

// requestIDInterceptor makes sure the call's context carries a request id (the HTTP middleware
// normally set it already) and echoes it on the response.
type requestIDInterceptor struct{}

// WrapUnary implements connect.Interceptor.
func (requestIDInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if RequestID(ctx) == "" {
			ctx = withRequestID(ctx, requestIDFromHeader(req.Header()))
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (requestIDInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (requestIDInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if RequestID(ctx) == "" {
			ctx = withRequestID(ctx, requestIDFromHeader(conn.RequestHeader()))
		}
		return next(ctx, conn)
	}
}
