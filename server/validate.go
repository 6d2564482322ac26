package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// validateInterceptor enforces the requests' buf.validate rules. A request that breaks them
// fails with InvalidArgument and a google.rpc.BadRequest detail naming every offending field
// (by its proto path, e.g. "submission.problem_description"), plus buf.validate.Violations.
type validateInterceptor struct {
	v protovalidate.Validator
	// predict passes valid PredictRequests without protovalidate when fastPredict is set.
	predict     predictRules
	fastPredict bool
}

// newValidateInterceptor compiles the validator.
func newValidateInterceptor() (validateInterceptor, error) {
	v, err := protovalidate.New()
	if err != nil {
		return validateInterceptor{}, fmt.Errorf("protovalidate: %w", err)
	}
	pr, ok := readPredictRules()
	return validateInterceptor{v: v, predict: pr, fastPredict: ok}, nil
}

// check validates msg and returns the InvalidArgument error describing what is wrong.
func (i validateInterceptor) check(msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	if r, ok := m.(*trainyardv1.PredictRequest); ok && i.fastPredict && i.predict.pass(r) {
		return nil
	}
	err := i.v.Validate(m)
	if err == nil {
		return nil
	}
	var verr *protovalidate.ValidationError
	if !errors.As(err, &verr) {
		// A rule that cannot be evaluated is a server defect, not the caller's.
		return fmt.Errorf("validate %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	br := &errdetails.BadRequest{}
	parts := make([]string, 0, len(verr.Violations))
	for _, v := range verr.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       field,
			Description: v.Proto.GetMessage(),
			Reason:      v.Proto.GetRuleId(),
		})
		parts = append(parts, v.String())
	}
	cerr := connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("invalid request: %s", strings.Join(parts, "; ")))
	if d, err := connect.NewErrorDetail(br); err == nil {
		cerr.AddDetail(d)
	}
	if d, err := connect.NewErrorDetail(verr.ToProto()); err == nil {
		cerr.AddDetail(d)
	}
	return cerr
}

// WrapUnary implements connect.Interceptor.
func (i validateInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if err := i.check(req.Any()); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (validateInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor: every received message is validated.
func (i validateInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, validatingConn{StreamingHandlerConn: conn, i: i})
	}
}

// validatingConn validates each message a streaming handler receives.
type validatingConn struct {
	connect.StreamingHandlerConn
	i validateInterceptor
}

// Receive implements connect.StreamingHandlerConn.
func (c validatingConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	return c.i.check(msg)
}

// fieldError returns an InvalidArgument error about one request field, with the same
// google.rpc.BadRequest detail the validation interceptor gives.
func fieldError(field, description string, cause error) *connect.Error {
	msg := fmt.Sprintf("invalid request: %s: %s", field, description)
	var ce *connect.Error
	if errors.As(cause, &ce) {
		msg += " (" + ce.Message() + ")"
	}
	err := connect.NewError(connect.CodeInvalidArgument, errors.New(msg))
	if d, derr := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: field, Description: description},
	}}); derr == nil {
		err.AddDetail(d)
	}
	return err
}
