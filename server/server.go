// Package server is Trainyard's API server: one http.Server on one port (HTTP/1.1 and
// unencrypted HTTP/2) that answers Connect, gRPC and gRPC-Web through the Connect handlers,
// REST/JSON through grpc-gateway (in client mode, calling the same handlers in process), gRPC
// reflection and health, /healthz, /readyz, Prometheus /metrics and the embedded web app.
//
// Every RPC passes one ordered interceptor chain (see HandlerOptions): request id, logs and
// metrics, panic recovery, API-key authentication, the per-user rate limit, role and model-scope
// checks, protovalidate, and the mapping of domain errors to Connect codes. REST calls go through
// the same chain (the gateway calls over gRPC), and hand-written HTTP routes (Route) through an
// equivalent middleware. Handlers speak proto and call the store; they know no SQL.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/google/uuid"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// Options configure a Server. Store is required; the rest have defaults.
type Options struct {
	// Store is the metadata store.
	Store *store.Store
	// Logger receives the server's structured logs. Default: discard.
	Logger *slog.Logger
	// PublicURL is the base of links the API hands out (download URLs, endpoints).
	PublicURL string
	// RateLimit is requests per minute per user; 0 disables the limit.
	RateLimit int
	// MaxActiveProjects is how many running projects a user may have (0: no limit).
	MaxActiveProjects int
	// Registry receives the server's metrics and is served at /metrics. Default: a new registry
	// with the Go and process collectors.
	Registry *prometheus.Registry
	// Web is served at "/". Default: the embedded WebFS.
	Web fs.FS
	// Sessions, when set, also accepts the session tokens of Google sign-in (internal/oidc)
	// as bearer credentials; nil accepts API keys only.
	Sessions SessionVerifier
}

// Server is the API server. Create it with New, add the other engineers' handlers with
// MountConnect and HandleRoute, then Serve; Shutdown stops it gracefully.
type Server struct {
	opts    Options
	log     *slog.Logger
	store   *store.Store
	metrics *metrics
	limiter *rateLimiter
	auth    authenticator
	// interceptors is the chain every RPC passes, outermost first; chain holds it with the
	// other handler options.
	interceptors []connect.Interceptor
	chain        []connect.HandlerOption

	mux        *http.ServeMux // everything, served on the public port
	connectMux *http.ServeMux // Connect handlers only, served to the gateway in process
	gateway    *runtime.ServeMux
	gwConn     *grpc.ClientConn
	memLn      *memListener
	inner      *http.Server
	public     *http.Server
	health     *grpchealth.StaticChecker

	mu        sync.Mutex
	services  []string
	onOutbox  func()
	onDelete  []func(uuid.UUID) // run after DeleteModel marked a model deleted (see onModelDeleted)
	finalized bool

	draining  chan struct{}
	drainOnce sync.Once
	innerOnce sync.Once
}

// New builds the server with the ProjectService and ApiKeyService handlers mounted.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("server: Options.Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
		opts.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if opts.Web == nil {
		opts.Web = WebFS()
	}
	s := &Server{
		opts:       opts,
		log:        opts.Logger,
		store:      opts.Store,
		metrics:    newMetrics(opts.Registry),
		limiter:    newRateLimiter(opts.RateLimit),
		mux:        http.NewServeMux(),
		connectMux: http.NewServeMux(),
		memLn:      newMemListener(),
		health:     grpchealth.NewStaticChecker(),
		draining:   make(chan struct{}),
	}
	s.auth = authenticator{store: opts.Store, log: opts.Logger, sessions: opts.Sessions}
	validate, err := newValidateInterceptor()
	if err != nil {
		return nil, err
	}
	s.interceptors = []connect.Interceptor{
		requestIDInterceptor{},
		observeInterceptor{log: s.log, m: s.metrics},
		recoverInterceptor{log: s.log},
		authInterceptor{a: s.auth},
		rateLimitInterceptor{l: s.limiter},
		accessInterceptor{},
		validate,
		errorsInterceptor{log: s.log},
	}
	s.chain = []connect.HandlerOption{
		connect.WithInterceptors(s.interceptors...),
		connect.WithCodec(strictJSONCodec{name: "json"}),
		connect.WithCodec(strictJSONCodec{name: "json; charset=utf-8"}),
		connect.WithReadMaxBytes(maxMessageBytes),
		connect.WithCompressMinBytes(1024),
	}

	s.MountConnect(trainyardv1connect.NewProjectServiceHandler(&ProjectService{s: s}, s.chain...))
	s.MountConnect(trainyardv1connect.NewApiKeyServiceHandler(&ApiKeyService{s: s}, s.chain...))

	// Public routes: no key needed.
	reflector := grpcreflect.NewReflector(grpcreflect.NamerFunc(s.serviceNames))
	s.mux.Handle(grpcreflect.NewHandlerV1(reflector))
	s.mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	s.mux.Handle(grpchealth.NewHandler(s.health))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc(authConfigPattern, s.handleAuthConfig)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	s.mux.Handle("/", webHandler(opts.Web))

	s.gateway, s.gwConn, err = newGateway(ctx, s.memLn)
	if err != nil {
		return nil, err
	}
	s.mux.Handle("/api/", s.gateway)

	s.inner = &http.Server{
		Handler:  withRequestIDHTTP(s.connectMux),
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.inner.Protocols = new(http.Protocols)
	s.inner.Protocols.SetUnencryptedHTTP2(true)
	go func() {
		if err := s.inner.Serve(s.memLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("in-process gateway listener stopped", "err", err)
		}
	}()

	s.public = &http.Server{
		Handler:           withRequestIDHTTP(s.mux),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.public.Protocols = new(http.Protocols)
	s.public.Protocols.SetHTTP1(true)
	s.public.Protocols.SetUnencryptedHTTP2(true)
	return s, nil
}

// HandlerOptions returns the options every Connect handler must be built with: the interceptor
// chain, the strict JSON codec and the message size limit. Use them for the handlers passed to
// MountConnect.
func (s *Server) HandlerOptions() []connect.HandlerOption { return slices.Clone(s.chain) }

// MountConnect serves a Connect handler (from a generated trainyardv1connect.New*Handler built
// with HandlerOptions) on the public port and to the REST gateway, and lists its service for
// reflection and health. Call it before Serve (or Handler).
func (s *Server) MountConnect(path string, h http.Handler) {
	s.mux.Handle(path, h)
	s.connectMux.Handle(path, h)
	name := trimSlashes(path)
	s.mu.Lock()
	s.services = append(s.services, name)
	s.mu.Unlock()
	s.health.SetStatus(name, grpchealth.StatusServing)
}

// HandleRoute serves a hand-written HTTP route behind the same checks as the RPCs (see Route).
// Its pattern must be more specific than the gateway's "/api/", e.g. "POST /api/v1/data/upload".
// Call it before Serve.
func (s *Server) HandleRoute(rt Route) { s.mux.Handle(rt.Pattern, s.guardRoute(rt)) }

// Handler returns the server's whole HTTP handler (for tests and embedding). Like Serve, it
// completes the mounts: services nobody mounted answer Unimplemented (after the usual checks).
func (s *Server) Handler() http.Handler {
	s.finalize()
	return s.public.Handler
}

// unimplemented lists a fallback handler per service of the contract.
var unimplemented = []func(opts ...connect.HandlerOption) (string, http.Handler){
	func(o ...connect.HandlerOption) (string, http.Handler) {
		return trainyardv1connect.NewDatasetServiceHandler(trainyardv1connect.UnimplementedDatasetServiceHandler{}, o...)
	},
	func(o ...connect.HandlerOption) (string, http.Handler) {
		return trainyardv1connect.NewModelServiceHandler(trainyardv1connect.UnimplementedModelServiceHandler{}, o...)
	},
	func(o ...connect.HandlerOption) (string, http.Handler) {
		return trainyardv1connect.NewPredictionServiceHandler(trainyardv1connect.UnimplementedPredictionServiceHandler{}, o...)
	},
}

// finalize mounts an Unimplemented handler for every service of the contract nobody mounted,
// so their RPCs and REST routes answer Unimplemented instead of falling through to the web app.
func (s *Server) finalize() {
	s.mu.Lock()
	if s.finalized {
		s.mu.Unlock()
		return
	}
	s.finalized = true
	mounted := slices.Clone(s.services)
	s.mu.Unlock()
	for _, mk := range unimplemented {
		path, h := mk(s.chain...)
		if !slices.Contains(mounted, trimSlashes(path)) {
			s.mux.Handle(path, h)
			s.connectMux.Handle(path, h)
		}
	}
}

// Draining is closed when Shutdown begins. Long-lived streams watch it and end, so that a
// graceful shutdown does not wait for them forever.
func (s *Server) Draining() <-chan struct{} { return s.draining }

// Serve accepts connections on ln until Shutdown; it returns nil after a graceful shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.finalize()
	s.log.Info("serving", "addr", ln.Addr().String(), "public_url", s.opts.PublicURL)
	if err := s.public.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops the server gracefully: it stops accepting connections, ends the open streams
// (WatchProject ends with Unavailable and the sequence to resume from), waits for in-flight
// requests until ctx is done, and then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.drainOnce.Do(func() {
		close(s.draining)
		s.health.SetStatus("", grpchealth.StatusNotServing)
		s.mu.Lock()
		for _, name := range s.services {
			s.health.SetStatus(name, grpchealth.StatusNotServing)
		}
		s.mu.Unlock()
	})
	err := s.public.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.public.Close())
	}
	s.innerOnce.Do(func() {
		ierr := s.inner.Shutdown(ctx)
		if ierr != nil {
			ierr = errors.Join(ierr, s.inner.Close())
		}
		s.memLn.Close()
		if cerr := s.gwConn.Close(); cerr != nil {
			ierr = errors.Join(ierr, fmt.Errorf("close gateway connection: %w", cerr))
		}
		err = errors.Join(err, ierr)
	})
	return err
}

// serviceNames lists the mounted services, for reflection.
func (s *Server) serviceNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.services)
}

// healthz answers 200 while the process runs.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the store answers and the server is not shutting down, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	select {
	case <-s.draining:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	default:
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "readiness: store unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// trimSlashes turns a Connect path "/pkg.Service/" into "pkg.Service".
func trimSlashes(p string) string {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// SetOutboxNotifier registers fn to be called after a handler wrote outbox messages (a created,
// approved or cancelled project), so the relay publishes them at once instead of at its next
// poll. It may be called at any time.
func (s *Server) SetOutboxNotifier(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onOutbox = fn
}

// outboxWritten calls the outbox notifier, if any.
func (s *Server) outboxWritten() {
	s.mu.Lock()
	fn := s.onOutbox
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
}
