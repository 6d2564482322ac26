package server

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"regexp"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// maxMessageBytes bounds a single request or response message on every protocol.
const maxMessageBytes = 32 << 20

// jsonMarshaler is the REST gateway's codec: protojson with camelCase names, unpopulated fields
// left out (as Connect's JSON does), unknown fields and unknown enum names rejected, and server
// streams served as newline-delimited JSON.
type jsonMarshaler struct{ runtime.JSONPb }

// StreamContentType implements runtime.StreamContentType.
func (jsonMarshaler) StreamContentType(any) string { return "application/x-ndjson" }

func newJSONMarshaler() *jsonMarshaler {
	return &jsonMarshaler{runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: false, EmitUnpopulated: false},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
}

// incomingHeader forwards to the Connect handlers only what they need of a REST request: the
// request id (Authorization is always forwarded by the gateway itself).
func incomingHeader(key string) (string, bool) {
	switch textproto.CanonicalMIMEHeaderKey(key) {
	case RequestIDHeader:
		return "x-request-id", true
	case "Idempotency-Key":
		return "idempotency-key", true
	}
	return "", false
}

// outgoingHeader passes no gRPC metadata to REST clients as Grpc-Metadata-* headers; what they
// need (request id, Retry-After) the server sets itself.
func outgoingHeader(string) (string, bool) { return "", false }

// restErrorHandler writes a gateway error as a google.rpc.Status in JSON with the HTTP status
// of its code, adding Retry-After for rate-limited calls and a Bearer challenge for 401.
func restErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	var custom *runtime.HTTPStatusError
	st := status.Convert(err)
	httpStatus := runtime.HTTPStatusFromCode(st.Code())
	if e, ok := err.(*runtime.HTTPStatusError); ok {
		custom = e
		st = status.Convert(e.Err)
		httpStatus = custom.HTTPStatus
	}
	if st.Code() == codes.InvalidArgument && len(st.Details()) == 0 {
		st = withDecodeViolation(st)
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(ri.GetRetryDelay().AsDuration())))
		}
	}
	if httpStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="trainyard"`)
	}
	body, merr := m.Marshal(st.Proto())
	if merr != nil {
		body = []byte(`{"code":13,"message":"failed to marshal error"}`)
		httpStatus = http.StatusInternalServerError
	}
	w.Header().Del("Trailer")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(body)
}

// decodeErrorField finds the field a protojson decoding error is about: an unknown field or a
// value of the wrong type or an unknown enum name.
var decodeErrorField = regexp.MustCompile(`unknown field "([^"]+)"|invalid value for \w+ field (\w+)`)

// withDecodeViolation adds a google.rpc.BadRequest naming the offending field to the gateway's
// InvalidArgument for a body it could not decode, so REST clients see which field, as they do
// for validation errors.
func withDecodeViolation(st *status.Status) *status.Status {
	m := decodeErrorField.FindStringSubmatch(st.Message())
	if m == nil {
		return st
	}
	field := m[1] + m[2]
	desc := "unknown field"
	if m[2] != "" {
		desc = "invalid value (wrong type or unknown enum name)"
	}
	out, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: field, Description: desc},
	}})
	if err != nil {
		return st
	}
	return out
}

// gatewayRegistrations lists the generated REST handlers of every service.
var gatewayRegistrations = []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
	trainyardv1.RegisterProjectServiceHandler,
	trainyardv1.RegisterApiKeyServiceHandler,
	trainyardv1.RegisterDatasetServiceHandler,
	trainyardv1.RegisterModelServiceHandler,
	trainyardv1.RegisterPredictionServiceHandler,
}

// newGateway returns the REST gateway: grpc-gateway in client mode, calling the Connect handlers
// over gRPC through the in-memory listener, so REST gets exactly the checks of every other
// protocol.
func newGateway(ctx context.Context, ln *memListener) (*runtime.ServeMux, *grpc.ClientConn, error) {
	conn, err := grpc.NewClient("passthrough:///trainyard-in-process",
		grpc.WithContextDialer(ln.dial),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway client: %w", err)
	}
	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, newJSONMarshaler()),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithOutgoingTrailerMatcher(outgoingHeader),
		runtime.WithErrorHandler(restErrorHandler),
		runtime.WithMetadata(func(context.Context, *http.Request) metadata.MD {
			return metadata.Pairs(viaHeader, "rest")
		}),
	)
	for _, register := range gatewayRegistrations {
		if err := register(ctx, mux, conn); err != nil {
			conn.Close()
			return nil, nil, fmt.Errorf("gateway: %w", err)
		}
	}
	return mux, conn, nil
}
