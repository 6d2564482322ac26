package server

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"

	"github.com/trainyard/trainyard/gen/go/inference"
	"github.com/trainyard/trainyard/gen/go/inference/inferenceconnect"
)

// InferenceService implements the Open Inference Protocol v2 over gRPC
// (inference.GRPCInferenceService) on the same port as everything else.
type InferenceService struct{ p *plane }

var _ inferenceconnect.GRPCInferenceServiceHandler = (*InferenceService)(nil)

// oipPublic are the procedures that need no key: liveness, readiness and server metadata.
var oipPublic = map[string]bool{
	inferenceconnect.GRPCInferenceServiceServerLiveProcedure:     true,
	inferenceconnect.GRPCInferenceServiceServerReadyProcedure:    true,
	inferenceconnect.GRPCInferenceServiceServerMetadataProcedure: true,
}

// oipChain is the interceptor chain of the OIP gRPC service: as for every RPC, except that
// the public procedures skip authentication, any role may infer, and model-scoped keys are
// checked against the model each request names (by the handlers).
func (s *Server) oipChain() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithInterceptors(
			requestIDInterceptor{},
			observeInterceptor{log: s.log, m: s.metrics},
			recoverInterceptor{log: s.log},
			oipAuthInterceptor{a: s.auth, l: s.limiter},
			oipErrorsInterceptor{s: s},
		),
		connect.WithReadMaxBytes(oipMaxBody),
	}
}

// oipAuthInterceptor authenticates and rate-limits the non-public OIP procedures.
type oipAuthInterceptor struct {
	a authenticator
	l *rateLimiter
}

// WrapUnary implements connect.Interceptor.
func (i oipAuthInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if oipPublic[req.Spec().Procedure] {
			return next(ctx, req)
		}
		ctx, err := i.a.authenticate(ctx, req.Spec().Procedure, req.Header())
		if err == nil {
			err = i.l.check(ctx)
		}
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (oipAuthInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor: the service has no streams.
func (oipAuthInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return connect.NewError(connect.CodeUnimplemented, errors.New("no streaming procedures"))
	}
}

// oipErrorsInterceptor maps errors: OIP input errors to their codes, domain errors as for
// every RPC.
type oipErrorsInterceptor struct{ s *Server }

// WrapUnary implements connect.Interceptor.
func (i oipErrorsInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err == nil {
			return res, nil
		}
		var oe *oipError
		if errors.As(err, &oe) {
			code := connect.CodeInvalidArgument
			switch oe.status {
			case http.StatusNotFound:
				code = connect.CodeNotFound
			case http.StatusRequestEntityTooLarge:
				code = connect.CodeResourceExhausted
			}
			return nil, connect.NewError(code, errors.New(oe.msg))
		}
		return nil, toConnectError(ctx, i.s.log, req.Spec().Procedure, err)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (oipErrorsInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (oipErrorsInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// ServerLive implements GRPCInferenceService.ServerLive.
func (h *InferenceService) ServerLive(context.Context, *inference.ServerLiveRequest) (*inference.ServerLiveResponse, error) {
	return &inference.ServerLiveResponse{Live: true}, nil
}

// ServerReady implements GRPCInferenceService.ServerReady.
func (h *InferenceService) ServerReady(ctx context.Context, _ *inference.ServerReadyRequest) (*inference.ServerReadyResponse, error) {
	return &inference.ServerReadyResponse{Ready: h.p.d.s.ready(ctx)}, nil
}

// ServerMetadata implements GRPCInferenceService.ServerMetadata.
func (h *InferenceService) ServerMetadata(context.Context, *inference.ServerMetadataRequest) (*inference.ServerMetadataResponse, error) {
	return &inference.ServerMetadataResponse{Name: oipServerName, Version: oipVersion, Extensions: oipExtensions}, nil
}

// ModelReady implements GRPCInferenceService.ModelReady: ready when the model is deployed
// and loads; errors only for a model the caller may not see.
func (h *InferenceService) ModelReady(ctx context.Context, req *inference.ModelReadyRequest) (*inference.ModelReadyResponse, error) {
	if err := checkVersion(req.GetVersion()); err != nil {
		return nil, err
	}
	_, _, err := h.p.servedModel(ctx, req.GetName())
	var ce *connect.Error
	if err != nil && errors.As(err, &ce) {
		return nil, err
	}
	return &inference.ModelReadyResponse{Ready: err == nil}, nil
}

// ModelMetadata implements GRPCInferenceService.ModelMetadata.
func (h *InferenceService) ModelMetadata(ctx context.Context, req *inference.ModelMetadataRequest) (*inference.ModelMetadataResponse, error) {
	md, err := h.p.metadata(ctx, req.GetName(), req.GetVersion())
	if err != nil {
		return nil, err
	}
	out := &inference.ModelMetadataResponse{Name: md.Name, Versions: md.Versions, Platform: md.Platform}
	for _, t := range md.Inputs {
		out.Inputs = append(out.Inputs, &inference.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape})
	}
	for _, t := range md.Outputs {
		out.Outputs = append(out.Outputs, &inference.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape})
	}
	return out, nil
}

// ModelInfer implements GRPCInferenceService.ModelInfer. Inputs come in raw_input_contents
// (as tritonclient sends them) or in contents; outputs go out in raw_output_contents.
func (h *InferenceService) ModelInfer(ctx context.Context, req *inference.ModelInferRequest) (*inference.ModelInferResponse, error) {
	if err := checkVersion(req.GetModelVersion()); err != nil {
		return nil, err
	}
	raw := req.GetRawInputContents()
	if len(raw) > 0 && len(raw) != len(req.GetInputs()) {
		return nil, badInput("raw_input_contents has %d entries for %d inputs", len(raw), len(req.GetInputs()))
	}
	ins := make([]tensorIn, len(req.GetInputs()))
	for i, t := range req.GetInputs() {
		ins[i] = tensorIn{name: t.GetName(), datatype: t.GetDatatype(), shape: t.GetShape()}
		if len(raw) > 0 {
			if err := decodeRaw(&ins[i], raw[i]); err != nil {
				return nil, err
			}
			continue
		}
		if err := decodeContents(&ins[i], t.GetContents()); err != nil {
			return nil, err
		}
	}
	var want []string
	for _, o := range req.GetOutputs() {
		want = append(want, o.GetName())
	}
	_, lm, err := h.p.servedModel(ctx, req.GetModelName())
	if err != nil {
		return nil, err
	}
	outs, err := infer(lm, ins, want)
	if err != nil {
		return nil, err
	}
	res := &inference.ModelInferResponse{ModelName: lm.Ref.ID.String(), ModelVersion: oipVersion, Id: req.GetId()}
	for i := range outs {
		o := &outs[i]
		res.Outputs = append(res.Outputs, &inference.ModelInferResponse_InferOutputTensor{Name: o.name, Datatype: o.datatype, Shape: o.shape})
		res.RawOutputContents = append(res.RawOutputContents, encodeRaw(o))
	}
	return res, nil
}

// decodeContents decodes the typed contents of an input tensor.
func decodeContents(t *tensorIn, c *inference.InferTensorContents) error {
	if c == nil {
		return badInput("input %q has neither contents nor raw_input_contents", t.name)
	}
	switch t.datatype {
	case "BYTES":
		t.strs = make([]string, len(c.GetBytesContents()))
		for i, b := range c.GetBytesContents() {
			t.strs[i] = string(b)
		}
	case "BOOL":
		t.bools = append([]bool{}, c.GetBoolContents()...)
	case "FP32":
		t.nums = make([]float64, len(c.GetFp32Contents()))
		for i, v := range c.GetFp32Contents() {
			t.nums[i] = float64(v)
		}
	case "FP64":
		t.nums = append([]float64{}, c.GetFp64Contents()...)
	case "INT8", "INT16", "INT32":
		t.nums = make([]float64, len(c.GetIntContents()))
		for i, v := range c.GetIntContents() {
			t.nums[i] = float64(v)
		}
	case "INT64":
		t.nums = make([]float64, len(c.GetInt64Contents()))
		for i, v := range c.GetInt64Contents() {
			t.nums[i] = float64(v)
		}
	case "UINT8", "UINT16", "UINT32":
		t.nums = make([]float64, len(c.GetUintContents()))
		for i, v := range c.GetUintContents() {
			t.nums[i] = float64(v)
		}
	case "UINT64":
		t.nums = make([]float64, len(c.GetUint64Contents()))
		for i, v := range c.GetUint64Contents() {
			t.nums[i] = float64(v)
		}
	default:
		return badInput("input %q: datatype %q is not supported; use FP32, FP64, INT64, INT32, BOOL or BYTES", t.name, t.datatype)
	}
	return nil
}
