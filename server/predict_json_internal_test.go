package server

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// jsonAccepts are bodies the hand decoder must take itself (the shapes clients send).
var jsonAccepts = []string{
	`{"instances": [{"age": 42, "plan": "gold", "churned": null, "active": true, "ratio": -0.5e-3}]}`,
	`{"instances":[{"a":1},{"a":2.5,"b":"x"}],"explain":true}`,
	` { "explain" : false , "instances" : [ { } ] } `,
	`{"instances": [{"note": "line\nbreak \"quoted\" back\\slash \/ tab\t", "ünïcode": "日本語"}]}`,
	`{"instances": [{"nested": {"list": [1, "two", null, false, {"deep": [[]]}]}, "zero": 0, "neg": -0}]}`,
	`{"instances": [{"big": 1.7976931348623157e308, "tiny": 5e-324, "exp": 1E+2}]}`,
	`{}`,
	`{"instances": []}`,
}

// jsonDeclines are bodies the hand decoder must leave to protojson, valid or not.
var jsonDeclines = []string{
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

// TestDecodePredictJSON: the hand decoder takes the usual bodies and declines the rest, and
// whatever it takes decodes to exactly what the gateway's JSON decoder gives.
func TestDecodePredictJSON(t *testing.T) {
	for _, body := range jsonAccepts {
		d := getJSONDecoder()
		if _, ok := d.decode([]byte(body)); !ok {
			t.Errorf("hand decoder declined %s", body)
		}
		d.release()
		checkDecoded(t, []byte(body))
	}
	for _, body := range jsonDeclines {
		d := getJSONDecoder()
		if r, ok := d.decode([]byte(body)); ok {
			t.Errorf("hand decoder took %q (to %v), want it left to protojson", body, r)
		}
		d.release()
	}
}

// TestJSONDecoderReuse: a decoder that read other bodies before, accepted or declined, larger or
// smaller, decodes the next exactly as a fresh one: nothing of an earlier request shows.
func TestJSONDecoderReuse(t *testing.T) {
	d := getJSONDecoder()
	defer d.release()
	bodies := append(slices.Clone(jsonAccepts), jsonDeclines...)
	backward := slices.Clone(bodies)
	slices.Reverse(backward)
	for _, order := range [][]string{bodies, backward} {
		for _, body := range order {
			got, ok := d.decode([]byte(body))
			if !ok {
				continue
			}
			if want := protojsonDecoded(t, []byte(body)); !proto.Equal(got, want) {
				t.Fatalf("a reused decoder reads %q as %v, want %v", body, got, want)
			}
		}
	}
}

// TestJSONDecoderTrim: a decoder keeps the memory of a usual request for the next, and drops
// that of a request of many rows, even empty ones, before it goes back to the pool.
func TestJSONDecoderTrim(t *testing.T) {
	d := getJSONDecoder()
	defer d.release()
	for _, c := range []struct {
		rows int
		kept bool
	}{{3, true}, {maxKeptItems + 1, false}} {
		body := `{"instances": [` + strings.Repeat(`{},`, c.rows-1) + `{}]}`
		if _, ok := d.decode([]byte(body)); !ok {
			t.Fatalf("%d empty rows: declined", c.rows)
		}
		d.trim()
		if kept := d.rows.slabs != nil && d.req.Instances != nil; kept != c.kept {
			t.Errorf("after %d empty rows the decoder keeps its rows: %v, want %v", c.rows, kept, c.kept)
		}
	}
}

// FuzzDecodePredictJSON: on any body, the hand decoder either declines or agrees with the
// gateway's JSON decoder.
func FuzzDecodePredictJSON(f *testing.F) {
	for _, b := range append(jsonAccepts, jsonDeclines...) {
		f.Add([]byte(b))
	}
	f.Fuzz(checkDecoded)
}

// checkDecoded fails t when body's hand decoding, if any, differs from protojson's.
func checkDecoded(t *testing.T, body []byte) {
	d := getJSONDecoder()
	defer d.release()
	got, ok := d.decode(body)
	if !ok {
		return
	}
	if want := protojsonDecoded(t, body); !proto.Equal(got, want) {
		t.Fatalf("hand decoder reads %q as %v, want %v", body, got, want)
	}
}

// protojsonDecoded is body as the gateway's JSON decoder reads it; t fails if it cannot.
func protojsonDecoded(t *testing.T, body []byte) *trainyardv1.PredictRequest {
	want := &trainyardv1.PredictRequest{}
	if err := newJSONMarshaler().NewDecoder(bytes.NewReader(body)).Decode(want); err != nil {
		t.Fatalf("hand decoder took %q, which the gateway rejects: %v", body, err)
	}
	return want
}

// BenchmarkDecodeRESTPredict decodes the body of a one-row REST prediction of 57 numbers.
func BenchmarkDecodeRESTPredict(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"instances": [{`)
	for i := range 57 {
		if i > 0 {
			body.WriteString(", ")
		}
		fmt.Fprintf(&body, `"word_freq_%d": %g`, i, float64(i%7)*0.137)
	}
	body.WriteString(`}]}`)
	in := []byte(body.String())
	rp := &restPredict{json: newJSONMarshaler()}
	for b.Loop() {
		d := getJSONDecoder()
		if _, err := rp.decodeBody(in, d); err != nil {
			b.Fatal(err)
		}
		d.release()
	}
}
