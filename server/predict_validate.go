package server

import (
	"unicode/utf8"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// predictRules are PredictRequest's buf.validate rules, read from its descriptor, so the
// validate interceptor can pass a valid request without protovalidate. Walking the rows (each a
// google.protobuf.Struct, through reflection) cost about a tenth of a prediction's server CPU
// although Structs carry no rules. A request these limits do not plainly pass goes through
// protovalidate, so the errors stay protovalidate's.
type predictRules struct {
	nameMin, nameMax   uint64 // characters
	rowsMin, rowsMax   uint64
	imagesMax, imgSize uint64 // items; bytes each
}

// readPredictRules reads the rules, or returns false when the descriptor declares any rule
// beyond the limits predictRules models (then every request goes through protovalidate).
func readPredictRules() (predictRules, bool) {
	fields := (&trainyardv1.PredictRequest{}).ProtoReflect().Descriptor().Fields()
	rulesOf := func(name string) *validate.FieldRules {
		fd := fields.ByName(protoreflect.Name(name))
		if fd == nil {
			return nil
		}
		r, _ := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
		return r
	}
	name, rows, images := rulesOf("name"), rulesOf("instances"), rulesOf("images")
	pr := predictRules{
		nameMin: name.GetString().GetMinLen(), nameMax: name.GetString().GetMaxLen(),
		rowsMin: rows.GetRepeated().GetMinItems(), rowsMax: rows.GetRepeated().GetMaxItems(),
		imagesMax: images.GetRepeated().GetMaxItems(), imgSize: images.GetRepeated().GetItems().GetBytes().GetMaxLen(),
	}
	// Rebuild the declared rules from the limits: any difference is a rule not modelled here.
	modelled := []struct{ declared, rebuilt *validate.FieldRules }{
		{name, &validate.FieldRules{Type: &validate.FieldRules_String_{String_: &validate.StringRules{
			MinLen: proto.Uint64(pr.nameMin), MaxLen: proto.Uint64(pr.nameMax)}}}},
		{rows, &validate.FieldRules{Type: &validate.FieldRules_Repeated{Repeated: &validate.RepeatedRules{
			MinItems: proto.Uint64(pr.rowsMin), MaxItems: proto.Uint64(pr.rowsMax)}}}},
		{images, &validate.FieldRules{Type: &validate.FieldRules_Repeated{Repeated: &validate.RepeatedRules{
			MaxItems: proto.Uint64(pr.imagesMax),
			Items: &validate.FieldRules{Type: &validate.FieldRules_Bytes{Bytes: &validate.BytesRules{
				MaxLen: proto.Uint64(pr.imgSize)}}}}}}},
	}
	for _, m := range modelled {
		if !proto.Equal(m.declared, m.rebuilt) {
			return predictRules{}, false
		}
	}
	if fields.Len() != 4 || rulesOf("explain") != nil {
		return predictRules{}, false
	}
	return pr, true
}

// pass reports whether r plainly meets the rules; false means "ask protovalidate".
func (pr predictRules) pass(r *trainyardv1.PredictRequest) bool {
	rows, images := uint64(len(r.Instances)), uint64(len(r.Images))
	if rows < pr.rowsMin || rows > pr.rowsMax || images > pr.imagesMax {
		return false
	}
	if n := uint64(utf8.RuneCountInString(r.Name)); n < pr.nameMin || n > pr.nameMax { // characters, as min_len counts
		return false
	}
	for _, img := range r.Images {
		if uint64(len(img)) > pr.imgSize {
			return false
		}
	}
	return true
}
