// Package client is the Go client of a Trainyard server that the CLI verbs build on: where the
// server and the key come from (flags, TRAINYARD_URL / TRAINYARD_API_KEY, the credentials
// file), the generated Connect clients with the key attached, a streamed upload with progress,
// a watch that resumes from its cursor after a dropped stream, a streamed download, rows and
// picture files scored in as many Predict calls as the server's message limit needs, and
// errors rewritten to say what to do (wrong URL, missing or rejected key).
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
)

// Client calls one Trainyard server with one API key over the Connect protocol.
type Client struct {
	// Projects creates, lists, watches, approves and cancels projects.
	Projects trainyardv1connect.ProjectServiceClient
	// Datasets uploads and describes datasets.
	Datasets trainyardv1connect.DatasetServiceClient
	// Models describes models and streams their artifacts.
	Models trainyardv1connect.ModelServiceClient
	// Predictions scores rows with deployed models.
	Predictions trainyardv1connect.PredictionServiceClient
	// Keys reads the current user and manages API keys.
	Keys trainyardv1connect.ApiKeyServiceClient

	settings Settings
	http     *http.Client
	// retry is the first pause before a watch reconnects; it doubles up to retryMax.
	retry, retryMax time.Duration
	// maxReconnects is how many reconnects in a row a watch tries without receiving an event.
	maxReconnects int
}

// Option changes how New builds a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc (tests, proxies).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithRetry sets the first pause before a dropped watch reconnects, the largest pause, and
// how many reconnects in a row without a new event are tried before giving up.
func WithRetry(first, max time.Duration, attempts int) Option {
	return func(c *Client) { c.retry, c.retryMax, c.maxReconnects = first, max, attempts }
}

// New returns a client of the server and key in s. Plain http:// URLs are spoken to over
// HTTP/2 without TLS (h2c), which the server accepts on its one port, so client and server
// streams both work.
func New(s Settings, opts ...Option) *Client {
	c := &Client{settings: s, retry: 250 * time.Millisecond, retryMax: 5 * time.Second, maxReconnects: 20}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Transport: NewTransport(s.URL)}
	}
	base := strings.TrimSuffix(s.URL, "/")
	co := []connect.ClientOption{connect.WithInterceptors(authInterceptor{key: s.APIKey})}
	c.Projects = trainyardv1connect.NewProjectServiceClient(c.http, base, co...)
	c.Datasets = trainyardv1connect.NewDatasetServiceClient(c.http, base, co...)
	c.Models = trainyardv1connect.NewModelServiceClient(c.http, base, co...)
	c.Predictions = trainyardv1connect.NewPredictionServiceClient(c.http, base, co...)
	c.Keys = trainyardv1connect.NewApiKeyServiceClient(c.http, base, co...)
	return c
}

// Settings returns the server and key the client uses.
func (c *Client) Settings() Settings { return c.settings }

// NewTransport returns an HTTP transport for url: HTTP/2 over cleartext for http://, HTTP/1.1
// or HTTP/2 over TLS for https://.
func NewTransport(url string) *http.Transport {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0,
		IdleConnTimeout:       90 * time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
	}
	if strings.HasPrefix(strings.ToLower(url), "http://") {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		t.Protocols = &p
	}
	return t
}

// authInterceptor sends the API key as a bearer token on every call.
type authInterceptor struct{ key string }

// WrapUnary implements connect.Interceptor.
func (a authInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if a.key != "" {
			req.Header().Set("Authorization", "Bearer "+a.key)
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (a authInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		if a.key != "" {
			conn.RequestHeader().Set("Authorization", "Bearer "+a.key)
		}
		return conn
	}
}

// WrapStreamingHandler implements connect.Interceptor.
func (authInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// ErrNoKey is returned when no API key is configured anywhere.
var ErrNoKey = errors.New("no API key")
