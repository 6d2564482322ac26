package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
)

// apiError is an error as any protocol reports it: the code, the message, the fields named
// by a BadRequest detail, and the Retry-After the client was given.
type apiError struct {
	code       connect.Code
	msg        string
	fields     []string
	retryAfter int
	httpStatus int
}

func (e *apiError) Error() string { return fmt.Sprintf("%v: %s", e.code, e.msg) }

// codeOf returns the code of an error from any client (0 for nil).
func codeOf(err error) connect.Code {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	if err == nil {
		return 0
	}
	return connect.CodeUnknown
}

// client is the API as the suite uses it; one implementation per protocol.
type client interface {
	CreateProject(ctx context.Context, key string, req *trainyardv1.CreateProjectRequest) (*trainyardv1.Project, error)
	GetProject(ctx context.Context, key, name string) (*trainyardv1.Project, error)
	ListProjects(ctx context.Context, key string, req *trainyardv1.ListProjectsRequest) (*trainyardv1.ListProjectsResponse, error)
	CancelProject(ctx context.Context, key, name string) (*trainyardv1.Project, error)
	GetCurrentUser(ctx context.Context, key string) (*trainyardv1.User, error)
	Watch(ctx context.Context, key string, req *trainyardv1.WatchProjectRequest) (eventStream, error)
}

// eventStream yields progress events; Recv returns io.EOF after a clean (OK) end.
type eventStream interface {
	Recv() (*trainyardv1.ProgressEvent, error)
}

// protocols returns a client per protocol for the harness.
func (h *harness) protocols() map[string]client {
	conn, err := grpc.NewClient(h.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	hc := h2cClient()
	return map[string]client{
		"connect": connectClient{
			projects: trainyardv1connect.NewProjectServiceClient(hc, h.base),
			keys:     trainyardv1connect.NewApiKeyServiceClient(hc, h.base),
		},
		"grpc": grpcClient{projects: trainyardv1.NewProjectServiceClient(conn), keys: trainyardv1.NewApiKeyServiceClient(conn)},
		"rest": restClient{base: h.base, hc: http.DefaultClient},
	}
}

// forEachProtocol runs fn once per protocol.
func (h *harness) forEachProtocol(t *testing.T, fn func(t *testing.T, c client)) {
	for _, name := range []string{"connect", "grpc", "rest"} {
		c := h.protocols()[name]
		t.Run(name, func(t *testing.T) { fn(t, c) })
	}
}

// fieldsOf lists the fields of BadRequest details.
func fieldsOf(details []proto.Message) []string {
	var out []string
	for _, d := range details {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, fv.GetField())
			}
		}
	}
	return out
}

// --- Connect ---

type connectClient struct {
	projects trainyardv1connect.ProjectServiceClient
	keys     trainyardv1connect.ApiKeyServiceClient
}

// withKey returns a context whose Connect calls send key.
func withKey(ctx context.Context, key string) context.Context {
	ctx, ci := connect.NewClientContext(ctx)
	if key != "" {
		ci.RequestHeader().Set("Authorization", "Bearer "+key)
	}
	return ctx
}

func connectErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	ae := &apiError{code: ce.Code(), msg: ce.Message()}
	var details []proto.Message
	for _, d := range ce.Details() {
		if m, err := d.Value(); err == nil {
			details = append(details, m)
		}
	}
	ae.fields = fieldsOf(details)
	ae.retryAfter, _ = strconv.Atoi(ce.Meta().Get("Retry-After"))
	return ae
}

func (c connectClient) CreateProject(ctx context.Context, key string, req *trainyardv1.CreateProjectRequest) (*trainyardv1.Project, error) {
	p, err := c.projects.CreateProject(withKey(ctx, key), req)
	return p, connectErr(err)
}

func (c connectClient) GetProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	p, err := c.projects.GetProject(withKey(ctx, key), &trainyardv1.GetProjectRequest{Name: name})
	return p, connectErr(err)
}

func (c connectClient) ListProjects(ctx context.Context, key string, req *trainyardv1.ListProjectsRequest) (*trainyardv1.ListProjectsResponse, error) {
	r, err := c.projects.ListProjects(withKey(ctx, key), req)
	return r, connectErr(err)
}

func (c connectClient) CancelProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	p, err := c.projects.CancelProject(withKey(ctx, key), &trainyardv1.CancelProjectRequest{Name: name})
	return p, connectErr(err)
}

func (c connectClient) GetCurrentUser(ctx context.Context, key string) (*trainyardv1.User, error) {
	u, err := c.keys.GetCurrentUser(withKey(ctx, key), &trainyardv1.GetCurrentUserRequest{})
	return u, connectErr(err)
}

func (c connectClient) Watch(ctx context.Context, key string, req *trainyardv1.WatchProjectRequest) (eventStream, error) {
	s, err := c.projects.WatchProject(withKey(ctx, key), req)
	if err != nil {
		return nil, connectErr(err)
	}
	return connectStream{s}, nil
}

type connectStream struct {
	s *connect.ServerStreamForClient[trainyardv1.ProgressEvent]
}

func (s connectStream) Recv() (*trainyardv1.ProgressEvent, error) {
	if s.s.Receive() {
		return s.s.Msg(), nil
	}
	if err := s.s.Err(); err != nil {
		return nil, connectErr(err)
	}
	return nil, io.EOF
}

// --- gRPC ---

type grpcClient struct {
	projects trainyardv1.ProjectServiceClient
	keys     trainyardv1.ApiKeyServiceClient
}

func grpcCtx(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

func grpcErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	ae := &apiError{code: connect.Code(st.Code()), msg: st.Message()}
	var details []proto.Message
	for _, d := range st.Details() {
		if m, ok := d.(proto.Message); ok {
			details = append(details, m)
		}
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			ae.retryAfter = int(ri.GetRetryDelay().AsDuration().Seconds())
		}
	}
	ae.fields = fieldsOf(details)
	return ae
}

func (c grpcClient) CreateProject(ctx context.Context, key string, req *trainyardv1.CreateProjectRequest) (*trainyardv1.Project, error) {
	p, err := c.projects.CreateProject(grpcCtx(ctx, key), req)
	return p, grpcErr(err)
}

func (c grpcClient) GetProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	p, err := c.projects.GetProject(grpcCtx(ctx, key), &trainyardv1.GetProjectRequest{Name: name})
	return p, grpcErr(err)
}

func (c grpcClient) ListProjects(ctx context.Context, key string, req *trainyardv1.ListProjectsRequest) (*trainyardv1.ListProjectsResponse, error) {
	r, err := c.projects.ListProjects(grpcCtx(ctx, key), req)
	return r, grpcErr(err)
}

func (c grpcClient) CancelProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	p, err := c.projects.CancelProject(grpcCtx(ctx, key), &trainyardv1.CancelProjectRequest{Name: name})
	return p, grpcErr(err)
}

func (c grpcClient) GetCurrentUser(ctx context.Context, key string) (*trainyardv1.User, error) {
	u, err := c.keys.GetCurrentUser(grpcCtx(ctx, key), &trainyardv1.GetCurrentUserRequest{})
	return u, grpcErr(err)
}

func (c grpcClient) Watch(ctx context.Context, key string, req *trainyardv1.WatchProjectRequest) (eventStream, error) {
	s, err := c.projects.WatchProject(grpcCtx(ctx, key), req)
	if err != nil {
		return nil, grpcErr(err)
	}
	return grpcStream{s}, nil
}

type grpcStream struct {
	s grpc.ServerStreamingClient[trainyardv1.ProgressEvent]
}

func (s grpcStream) Recv() (*trainyardv1.ProgressEvent, error) {
	m, err := s.s.Recv()
	return m, grpcErr(err)
}

// --- REST ---

type restClient struct {
	base string
	hc   *http.Client
}

// do sends a REST request with an optional JSON body and decodes the answer into out.
func (c restClient) do(ctx context.Context, key, method, path string, body []byte, out proto.Message) error {
	res, err := c.send(ctx, key, method, path, body)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return restErr(res, b)
	}
	return protojson.Unmarshal(b, out)
}

func (c restClient) send(ctx context.Context, key, method, path string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.hc.Do(req)
}

// restErr decodes a google.rpc.Status body.
func restErr(res *http.Response, body []byte) error {
	// A stream that fails before its first message wraps the status as {"error": status}.
	var wrapped struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &wrapped) == nil && wrapped.Error != nil {
		body = wrapped.Error
	}
	var st spb.Status
	if err := protojson.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("HTTP %d with a body that is not a status (%v): %s", res.StatusCode, err, body)
	}
	ae := &apiError{code: connect.Code(st.GetCode()), msg: st.GetMessage(), httpStatus: res.StatusCode}
	var details []proto.Message
	for _, a := range st.GetDetails() {
		if m, err := a.UnmarshalNew(); err == nil {
			details = append(details, m)
		}
	}
	ae.fields = fieldsOf(details)
	ae.retryAfter, _ = strconv.Atoi(res.Header.Get("Retry-After"))
	return ae
}

// namePath turns "projects/ID" or "ID" into "/api/v1/projects/ID".
func namePath(name string) string {
	return "/api/v1/projects/" + strings.TrimPrefix(name, "projects/")
}

func (c restClient) CreateProject(ctx context.Context, key string, req *trainyardv1.CreateProjectRequest) (*trainyardv1.Project, error) {
	body, err := protojson.Marshal(req.GetSubmission())
	if err != nil {
		return nil, err
	}
	path := "/api/v1/projects"
	if req.GetRequestId() != "" {
		path += "?requestId=" + url.QueryEscape(req.GetRequestId())
	}
	var p trainyardv1.Project
	return &p, c.do(ctx, key, http.MethodPost, path, body, &p)
}

func (c restClient) GetProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	var p trainyardv1.Project
	return &p, c.do(ctx, key, http.MethodGet, namePath(name), nil, &p)
}

func (c restClient) ListProjects(ctx context.Context, key string, req *trainyardv1.ListProjectsRequest) (*trainyardv1.ListProjectsResponse, error) {
	q := url.Values{}
	if req.GetPageSize() != 0 {
		q.Set("pageSize", strconv.Itoa(int(req.GetPageSize())))
	}
	if req.GetPageToken() != "" {
		q.Set("pageToken", req.GetPageToken())
	}
	if req.GetSearch() != "" {
		q.Set("search", req.GetSearch())
	}
	if req.GetStage() != 0 {
		q.Set("stage", req.GetStage().String())
	}
	var r trainyardv1.ListProjectsResponse
	return &r, c.do(ctx, key, http.MethodGet, "/api/v1/projects?"+q.Encode(), nil, &r)
}

func (c restClient) CancelProject(ctx context.Context, key, name string) (*trainyardv1.Project, error) {
	var p trainyardv1.Project
	return &p, c.do(ctx, key, http.MethodPost, namePath(name)+":cancel", []byte(`{}`), &p)
}

func (c restClient) GetCurrentUser(ctx context.Context, key string) (*trainyardv1.User, error) {
	var u trainyardv1.User
	return &u, c.do(ctx, key, http.MethodGet, "/api/v1/users/me", nil, &u)
}

func (c restClient) Watch(ctx context.Context, key string, req *trainyardv1.WatchProjectRequest) (eventStream, error) {
	path := namePath(req.GetName()) + "/stream?afterSequence=" + strconv.FormatInt(req.GetAfterSequence(), 10)
	res, err := c.send(ctx, key, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return nil, restErr(res, b)
	}
	return &ndjsonStream{res: res, sc: bufio.NewScanner(res.Body)}, nil
}

// ndjsonStream reads the gateway's newline-delimited {"result": event} / {"error": status}.
type ndjsonStream struct {
	res *http.Response
	sc  *bufio.Scanner
}

func (s *ndjsonStream) Recv() (*trainyardv1.ProgressEvent, error) {
	for s.sc.Scan() {
		line := bytes.TrimSpace(s.sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var env struct {
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(line, &env); err != nil {
			return nil, fmt.Errorf("NDJSON line %q: %w", line, err)
		}
		if env.Error != nil {
			s.res.Body.Close()
			return nil, restErr(s.res, env.Error)
		}
		if ct := s.res.Header.Get("Content-Type"); ct != "application/x-ndjson" {
			return nil, fmt.Errorf("stream Content-Type = %q, want application/x-ndjson", ct)
		}
		var ev trainyardv1.ProgressEvent
		if err := protojson.Unmarshal(env.Result, &ev); err != nil {
			return nil, fmt.Errorf("NDJSON result %s: %w", env.Result, err)
		}
		return &ev, nil
	}
	s.res.Body.Close()
	if err := s.sc.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}
