package server

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// validationView returns the message the validate interceptor checks in place of m. The rows
// of a PredictRequest are google.protobuf.Struct values, which carry no buf.validate rules,
// yet walking every field of every row cost about a sixth of a prediction's server CPU: they
// are checked as the same number of empty rows, so the rules that do apply (the name's
// length, the number of rows) see what they would see on the real request. Every other field
// is carried over as it is.
func validationView(m proto.Message) proto.Message {
	r, ok := m.(*trainyardv1.PredictRequest)
	if !ok || len(r.Instances) == 0 {
		return m
	}
	view := &trainyardv1.PredictRequest{}
	dst := view.ProtoReflect()
	r.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Name() != "instances" {
			dst.Set(fd, v)
		}
		return true
	})
	empty := &structpb.Struct{}
	view.Instances = make([]*structpb.Struct, len(r.Instances))
	for i := range view.Instances {
		view.Instances[i] = empty
	}
	return view
}
