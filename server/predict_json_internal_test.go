package server

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// transcoderAccepts are bodies the transcoder must take itself (the shapes clients send).
var transcoderAccepts = []string{
	`{"instances": [{"age": 42, "plan": "gold", "churned": null, "active": true, "ratio": -0.5e-3}]}`,
	`{"instances":[{"a":1},{"a":2.5,"b":"x"}],"explain":true}`,
	` { "explain" : false , "instances" : [ { } ] } `,
	`{"instances": [{"note": "line\nbreak \"quoted\" back\\slash \/ tab\t", "ünïcode": "日本語"}]}`,
	`{"instances": [{"nested": {"list": [1, "two", null, false, {"deep": [[]]}]}, "zero": 0, "neg": -0}]}`,
	`{"instances": [{"big": 1.7976931348623157e308, "tiny": 5e-324, "exp": 1E+2}]}`,
	`{}`,
	`{"instances": []}`,
}

// transcoderDeclines are bodies the transcoder must leave to protojson, valid or not.
var transcoderDeclines = []string{
	``,
	`{"instances": [{"a": 1, "a": 2}]}`, // duplicate key: protojson's error
	`{"instances": [{"a": 1}], "instances": [{"a": 2}]}`,       // duplicate field
	`{"instances": [{"a": "\u00e9"}]}`,                         // \u escape
	"{\"instances\": [{\"a\": \"\xff\"}]}",                     // invalid UTF-8
	"{\"instances\": [{\"a\": \"raw\ttab\"}]}",                 // raw control character
	`{"instances": [{"a": 01}]}`, `{"instances": [{"a": 1.}]}`, // not JSON numbers
	`{"instances": [{"a": .5}]}`, `{"instances": [{"a": +1}]}`,
	`{"instances": [{"a": 1e400}]}`, `{"instances": [{"a": NaN}]}`,
	`{"instances": [{"a": 1}]} x`, `{"instances": [{"a": 1},]}`,
	`{"name": "models/x", "instances": [{"a": 1}]}`, `{"images": ["AAAA"], "instances": [{}]}`,
	`{"instances": [{"a": 1}], "unknown": 1}`, `{"instances": [1]}`, `{"instances": null}`,
	`{"explain": null, "instances": [{}]}`, `{"explain": "yes"}`,
	`{"instances": [{"a": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}]}`,
}

// TestTranscodePredictJSON: the transcoder takes the usual bodies and declines the rest, and
// whatever it takes decodes, through proto and through the handler's own decoder, to exactly
// what the gateway's JSON decoder gives.
func TestTranscodePredictJSON(t *testing.T) {
	for _, body := range transcoderAccepts {
		if _, ok := transcodePredictJSON(nil, []byte(body)); !ok {
			t.Errorf("transcoder declined %s", body)
		}
		checkTranscoded(t, []byte(body))
	}
	for _, body := range transcoderDeclines {
		if wire, ok := transcodePredictJSON(nil, []byte(body)); ok {
			t.Errorf("transcoder took %q (to %x), want it left to protojson", body, wire)
		}
	}
}

// FuzzTranscodePredictJSON: on any body, the transcoder either declines or agrees with the
// gateway's JSON decoder.
func FuzzTranscodePredictJSON(f *testing.F) {
	for _, b := range append(transcoderAccepts, transcoderDeclines...) {
		f.Add([]byte(b))
	}
	f.Fuzz(checkTranscoded)
}

// checkTranscoded fails t when body's transcoding, if any, differs from protojson's decoding.
func checkTranscoded(t *testing.T, body []byte) {
	wire, ok := transcodePredictJSON(nil, body)
	if !ok {
		return
	}
	want := &trainyardv1.PredictRequest{}
	if err := newJSONMarshaler().NewDecoder(bytes.NewReader(body)).Decode(want); err != nil {
		t.Fatalf("transcoder took %q, which the gateway rejects: %v", body, err)
	}
	viaProto := &trainyardv1.PredictRequest{}
	if err := proto.Unmarshal(wire, viaProto); err != nil {
		t.Fatalf("transcoding of %q does not decode: %v", body, err)
	}
	if !proto.Equal(viaProto, want) {
		t.Fatalf("transcoding of %q decodes to %v, want %v", body, viaProto, want)
	}
	viaHandler := &trainyardv1.PredictRequest{}
	if !decodePredictRequest(wire, viaHandler) || !proto.Equal(viaHandler, want) {
		t.Fatalf("handler decodes the transcoding of %q to %v, want %v", body, viaHandler, want)
	}
}
