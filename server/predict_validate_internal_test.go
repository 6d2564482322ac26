package server

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestValidationViewAgrees: the validate interceptor answers the same on a PredictRequest and
// on its validation view, for valid and invalid requests alike.
func TestValidationViewAgrees(t *testing.T) {
	vi, err := newValidateInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	row, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": "x", "c": nil, "d": true,
		"e": map[string]any{"nested": []any{1.0, "two", map[string]any{}}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(n int) []*structpb.Struct {
		out := make([]*structpb.Struct, n)
		for i := range out {
			out[i] = row
		}
		return out
	}
	for _, tc := range []struct {
		name string
		req  *trainyardv1.PredictRequest
		ok   bool
	}{
		{"valid", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(3), Explain: true}, true},
		{"no rows", &trainyardv1.PredictRequest{Name: "models/x"}, false},
		{"too many rows", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(10001)}, false},
		{"no name", &trainyardv1.PredictRequest{Instances: rows(1)}, false},
		{"long name", &trainyardv1.PredictRequest{Name: strings.Repeat("m", 101), Instances: rows(1)}, false},
		{"empty row", &trainyardv1.PredictRequest{Name: "models/x", Instances: []*structpb.Struct{{}}}, true},
	} {
		full := vi.v.Validate(tc.req)
		view := vi.v.Validate(validationView(tc.req))
		if (full == nil) != tc.ok || (view == nil) != tc.ok {
			t.Errorf("%s: Validate(request) = %v, Validate(view) = %v, want ok %v for both", tc.name, full, view, tc.ok)
		}
		if full != nil && view != nil && full.Error() != view.Error() {
			t.Errorf("%s: Validate(view) = %q, want %q", tc.name, view, full)
		}
		if err := vi.check(tc.req); (err == nil) != tc.ok {
			t.Errorf("%s: check = %v, want ok %v", tc.name, err, tc.ok)
		}
		// Every field but the rows is the request's.
		vr := validationView(tc.req).(*trainyardv1.PredictRequest)
		if len(vr.Instances) != len(tc.req.Instances) {
			t.Errorf("%s: view has %d rows, want %d", tc.name, len(vr.Instances), len(tc.req.Instances))
		}
		a, b := proto.Clone(tc.req).(*trainyardv1.PredictRequest), proto.Clone(vr).(*trainyardv1.PredictRequest)
		a.Instances, b.Instances = nil, nil
		if !proto.Equal(a, b) {
			t.Errorf("%s: view = %v, want the request's other fields %v", tc.name, b, a)
		}
	}
}
