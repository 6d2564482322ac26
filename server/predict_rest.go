package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
)

// predictRESTPattern is Predict's REST route, the same as the gateway's for
// `post: "/api/v1/{name=models/*}/predict"`.
const predictRESTPattern = "POST /api/v1/models/{id}/predict"

// restPredict serves Predict's REST route without the gateway's gRPC hop: the body becomes a
// binary PredictRequest (transcoded, or decoded exactly as the gateway decodes it when the
// transcoder declines; see predict_json.go), then the Connect handler is called in process (a Connect
// client whose transport calls the handler directly), so the call passes the same interceptor
// chain as every protocol (request id, logs and metrics labelled "rest", recovery, auth, rate
// limit, access, validation, errors), and the answer or error is written as the gateway writes
// it. The hop through HTTP/2 on the in-memory listener cost about half of a REST prediction.
type restPredict struct {
	s      *Server
	client *connect.Client[wireRequest, trainyardv1.PredictResponse]
	json   *jsonMarshaler
}

// wireRequest is a PredictRequest already in protobuf's binary form.
type wireRequest struct{ b []byte }

// restClientCodec sends wireRequests as they are and decodes answers with predictCodec.
type restClientCodec struct{ predictCodec }

// Marshal implements connect.Codec.
func (c restClientCodec) Marshal(m any) ([]byte, error) {
	if w, ok := m.(*wireRequest); ok {
		return w.b, nil
	}
	return c.predictCodec.Marshal(m)
}

// MarshalAppend implements connect's appending codec, which the client prefers to Marshal.
func (c restClientCodec) MarshalAppend(dst []byte, m any) ([]byte, error) {
	if w, ok := m.(*wireRequest); ok {
		return append(dst, w.b...), nil
	}
	return c.predictCodec.MarshalAppend(dst, m)
}

// mountPredictREST serves predictRESTPattern in front of the gateway.
func (p *plane) mountPredictREST(s *Server) {
	inner := withRequestIDHTTP(s.connectMux)
	rp := &restPredict{s: s, json: newJSONMarshaler(),
		client: connect.NewClient[wireRequest, trainyardv1.PredictResponse](
			&http.Client{Transport: inProcessTransport{h: inner}},
			"http://in-process"+trainyardv1connect.PredictionServicePredictProcedure,
			connect.WithCodec(restClientCodec{}), connect.WithReadMaxBytes(maxMessageBytes),
			connect.WithAcceptCompression("gzip", nil, nil), // nothing to gain from compressing in memory
		)}
	s.mux.Handle(predictRESTPattern, rp)
}

// ServeHTTP implements http.Handler.
func (rp *restPredict) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wire, err := rp.decode(r)
	if err != nil {
		restErrorHandler(r.Context(), rp.s.gateway, rp.json, w, r, status.Errorf(codes.InvalidArgument, "%v", err))
		return
	}
	creq := connect.NewRequest(&wireRequest{b: wire})
	for _, k := range []string{"Authorization", RequestIDHeader, "Idempotency-Key"} {
		if v := r.Header.Values(k); len(v) > 0 {
			creq.Header()[k] = v
		}
	}
	creq.Header().Set(viaHeader, "rest")
	res, err := rp.client.CallUnary(r.Context(), creq)
	if err != nil {
		var ce *connect.Error
		if !errors.As(err, &ce) {
			ce = connect.NewError(connect.CodeInternal, err)
		}
		rp.s.writeConnectError(w, ce)
		return
	}
	body, err := rp.json.Marshal(res.Msg)
	if err != nil {
		rp.s.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// decode returns the binary PredictRequest of a REST call: its body through the transcoder, or
// through the gateway's JSON decoder when the transcoder declines, named by the path.
func (rp *restPredict) decode(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	name := "models/" + r.PathValue("id")
	if wire, ok := transcodePredictJSON(make([]byte, 0, len(body)+len(name)+8), body); ok {
		wire = protowire.AppendTag(wire, predictNameField, protowire.BytesType)
		return protowire.AppendString(wire, name), nil
	}
	req := &trainyardv1.PredictRequest{}
	if err := rp.json.NewDecoder(bytes.NewReader(body)).Decode(req); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	req.Name = name
	return proto.Marshal(req)
}

// inProcessTransport is an http.RoundTripper that serves requests with a handler in this
// process: no connection, no framing.
type inProcessTransport struct{ h http.Handler }

// RoundTrip implements http.RoundTripper.
func (t inProcessTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := &bufferedResponse{header: http.Header{}}
	t.h.ServeHTTP(w, r)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status: http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: io.NopCloser(&w.body), ContentLength: int64(w.body.Len()),
		Request: r,
	}, nil
}

// bufferedResponse is an http.ResponseWriter that keeps the response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter.
func (w *bufferedResponse) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *bufferedResponse) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write implements http.ResponseWriter.
func (w *bufferedResponse) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// Flush implements http.Flusher (a no-op: the response is sent when the handler returns).
func (w *bufferedResponse) Flush() {}
