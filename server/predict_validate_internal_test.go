package server

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestPredictRulesAgree: the rules read from PredictRequest's descriptor pass exactly the
// requests protovalidate accepts, at and around every limit, and an invalid request still gets
// protovalidate's error.
func TestPredictRulesAgree(t *testing.T) {
	vi, err := newValidateInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	if !vi.fastPredict {
		t.Fatal("PredictRequest's rules were not read: every prediction would go through protovalidate")
	}
	pr := vi.predict
	if pr.nameMax == 0 || pr.rowsMax == 0 || pr.imagesMax == 0 || pr.imgSize == 0 {
		t.Fatalf("rules read as %+v: a limit is missing", pr)
	}
	row, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": "x", "c": nil, "d": true,
		"e": map[string]any{"nested": []any{1.0, "two", map[string]any{}}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(n uint64) []*structpb.Struct {
		out := make([]*structpb.Struct, n)
		for i := range out {
			out[i] = row
		}
		return out
	}
	name := func(n uint64, ch string) string { return strings.Repeat(ch, int(n)) }
	for _, tc := range []struct {
		name string
		req  *trainyardv1.PredictRequest
	}{
		{"valid", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(3), Explain: true}},
		{"no rows", &trainyardv1.PredictRequest{Name: "models/x"}},
		{"most rows", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(pr.rowsMax)}},
		{"too many rows", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(pr.rowsMax + 1)}},
		{"no name", &trainyardv1.PredictRequest{Instances: rows(1)}},
		{"longest name", &trainyardv1.PredictRequest{Name: name(pr.nameMax, "m"), Instances: rows(1)}},
		{"long name", &trainyardv1.PredictRequest{Name: name(pr.nameMax+1, "m"), Instances: rows(1)}},
		// Characters, not bytes: each é is two bytes.
		{"longest name in two-byte characters", &trainyardv1.PredictRequest{Name: name(pr.nameMax, "é"), Instances: rows(1)}},
		{"long name in two-byte characters", &trainyardv1.PredictRequest{Name: name(pr.nameMax+1, "é"), Instances: rows(1)}},
		{"empty row", &trainyardv1.PredictRequest{Name: "models/x", Instances: []*structpb.Struct{{}}}},
		{"most images", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(1), Images: make([][]byte, pr.imagesMax)}},
		{"too many images", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(1), Images: make([][]byte, pr.imagesMax+1)}},
		{"largest image", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(1), Images: [][]byte{make([]byte, pr.imgSize)}}},
		{"image too large", &trainyardv1.PredictRequest{Name: "models/x", Instances: rows(1), Images: [][]byte{make([]byte, pr.imgSize+1)}}},
	} {
		full := vi.v.Validate(tc.req)
		if got := pr.pass(tc.req); got != (full == nil) {
			t.Errorf("%s: pass = %v, protovalidate says %v", tc.name, got, full)
		}
		err := vi.check(tc.req)
		if (err == nil) != (full == nil) || (full != nil && !strings.Contains(err.Error(), strings.TrimPrefix(full.Error(), "validation error: "))) {
			t.Errorf("%s: check = %v, want protovalidate's verdict %v", tc.name, err, full)
		}
	}
}
