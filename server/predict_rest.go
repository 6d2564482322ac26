package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"

	"connectrpc.com/connect"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
)

// predictRESTPattern is Predict's REST route, the same as the gateway's for
// `post: "/api/v1/{name=models/*}/predict"`.
const predictRESTPattern = "POST /api/v1/models/{id}/predict"

// restPredict serves Predict's REST route without the gateway's gRPC hop: the body becomes a
// PredictRequest (decoded by hand, or exactly as the gateway decodes it when the hand decoder
// declines; see predict_json.go) and passes the same interceptor chain as every protocol
// (request id, logs and metrics labelled "rest", recovery, auth, rate limit, access,
// validation, errors) on its way to PredictionService.Predict, all in process; the answer or
// error is written as the gateway writes it.
//
// The chain runs as a Connect client's interceptors: a client runs them before it marshals or
// sends anything, so a chain whose innermost link answers from the service itself never leaves
// the process (see answerInProcess). The gateway's gRPC hop cost about half of a REST
// prediction's server CPU, and the in-process HTTP round trip that replaced it a quarter.
type restPredict struct {
	s    *Server
	call *connect.Client[trainyardv1.PredictRequest, trainyardv1.PredictResponse]
	json *jsonMarshaler
}

// mountPredictREST serves predictRESTPattern in front of the gateway, answered by svc.
func (p *plane) mountPredictREST(s *Server, svc *PredictionService) {
	chain := append(slices.Clone(s.interceptors), answerInProcess{svc})
	rp := &restPredict{s: s, json: newJSONMarshaler(),
		call: connect.NewClient[trainyardv1.PredictRequest, trainyardv1.PredictResponse](
			&http.Client{Transport: neverSent{}},
			"http://in-process"+trainyardv1connect.PredictionServicePredictProcedure,
			connect.WithInterceptors(chain...),
		)}
	s.mux.Handle(predictRESTPattern, rp)
}

// forwardedHeaders are what the chain reads of a REST call's headers, the ones the gateway
// forwards too (Authorization, and those incomingHeader passes).
var forwardedHeaders = []string{"Authorization", RequestIDHeader, "Idempotency-Key"}

// ServeHTTP implements http.Handler. The request d decodes is d's, and goes back to the pool
// with it: the chain and the service are done with a request when the call returns, and keep
// nothing of it.
func (rp *restPredict) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := getJSONDecoder()
	defer d.release()
	req, err := rp.decode(w, r, d)
	if err != nil {
		restErrorHandler(r.Context(), rp.s.gateway, rp.json, w, r, err)
		return
	}
	creq := connect.NewRequest(req)
	for _, k := range forwardedHeaders {
		if v := r.Header.Values(k); len(v) > 0 {
			creq.Header()[k] = v
		}
	}
	creq.Header().Set(viaHeader, "rest")
	res, err := rp.call.CallUnary(r.Context(), creq)
	if err != nil {
		var ce *connect.Error
		if !errors.As(err, &ce) {
			ce = connect.NewError(connect.CodeInternal, err)
		}
		rp.s.writeConnectError(w, ce)
		return
	}
	body, ok := appendPredictResponse(make([]byte, 0, 512), res.Msg)
	if !ok {
		if body, err = rp.json.Marshal(res.Msg); err != nil {
			rp.s.WriteError(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// answerInProcess is the innermost link of restPredict's client chain: it answers the call
// from the service instead of sending it.
type answerInProcess struct{ svc *PredictionService }

// WrapUnary implements connect.Interceptor; next, which would send the call, is never called.
func (a answerInProcess) WrapUnary(connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := a.svc.Predict(ctx, req.Any().(*trainyardv1.PredictRequest))
		if err != nil {
			return nil, err
		}
		return connect.NewResponse(res), nil
	}
}

// WrapStreamingClient implements connect.Interceptor (Predict is unary).
func (answerInProcess) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor (a client link only).
func (answerInProcess) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// neverSent is the transport of restPredict's client, which answers every call in process.
type neverSent struct{}

// RoundTrip implements http.RoundTripper.
func (neverSent) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("server: the in-process Predict client sent a request")
}

// decode returns the PredictRequest of a REST call, named by the path (see decodeBody). Its
// errors are gRPC statuses, as the gateway's are.
func (rp *restPredict) decode(w http.ResponseWriter, r *http.Request, d *jsonDecoder) (*trainyardv1.PredictRequest, error) {
	body, err := readBody(w, r, d.body)
	d.body = body
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		return nil, &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: status.Errorf(codes.ResourceExhausted,
			"request body larger than %d MB: send fewer instances per request, or run a batch prediction (POST /api/v1/models/{id}:batchPredict)", maxMessageBytes>>20)}
	}
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "read request: %v", err)
	}
	req, err := rp.decodeBody(body, d)
	if err != nil {
		return nil, err
	}
	req.Name = "models/" + r.PathValue("id")
	return req, nil
}

// decodeBody decodes a REST Predict body as the gateway does: by hand with d (see
// predict_json.go), or with the gateway's JSON decoder when d declines.
func (rp *restPredict) decodeBody(body []byte, d *jsonDecoder) (*trainyardv1.PredictRequest, error) {
	if req, ok := d.decode(body); ok {
		return req, nil
	}
	req := &trainyardv1.PredictRequest{}
	if err := rp.json.NewDecoder(bytes.NewReader(body)).Decode(req); err != nil && !errors.Is(err, io.EOF) {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	return req, nil
}

// readBody reads a request body of at most maxMessageBytes into buf's memory, which it grows
// when the body does not fit: once, to the body's length, when the client gave it.
func readBody(w http.ResponseWriter, r *http.Request, buf []byte) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, maxMessageBytes)
	if n := int(r.ContentLength); n > 0 && n <= maxMessageBytes {
		buf = slices.Grow(buf[:0], n)[:n]
		_, err := io.ReadFull(rd, buf)
		return buf, err
	}
	b := bytes.NewBuffer(buf[:0])
	_, err := b.ReadFrom(rd)
	return b.Bytes(), err
}
