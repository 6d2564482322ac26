package server

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// codecCases are encoded PredictRequests, valid and not, that the hand decoder must read as
// proto.Unmarshal does.
func codecCases(t testing.TB) map[string][]byte {
	t.Helper()
	row := func(m map[string]any) *structpb.Struct {
		s, err := structpb.NewStruct(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	enc := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	full := enc(&trainyardv1.PredictRequest{Name: "models/0190", Explain: true, Images: [][]byte{{0x89, 'P', 'N', 'G'}, {}}, Instances: []*structpb.Struct{
		row(map[string]any{"a": 1.5, "b": "héllo", "c": nil, "d": true, "e": false, "f": -0.0, "g": math.Inf(1),
			"nested": map[string]any{"x": []any{1.0, "two", nil, map[string]any{"deep": []any{}}}}, "": ""}),
		row(map[string]any{}),
		row(map[string]any{"a": 2.0}),
	}})
	cases := map[string][]byte{
		"full":      full,
		"empty":     {},
		"name only": enc(&trainyardv1.PredictRequest{Name: "m"}),
		// An unknown field: proto keeps it, so the hand decoder must give way.
		"unknown field": protowire.AppendVarint(protowire.AppendTag(append([]byte{}, full...), 99, protowire.VarintType), 7),
		// A map entry without a value or a key.
		"entry without value": protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
				protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k"))),
		"entry without key": protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
				protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType),
					protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), math.Float64bits(3))))),
		// A value with two kinds: the last one wins in proto.
		"two kinds": protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType),
			protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType),
				protowire.AppendBytes(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k"),
					protowire.AppendVarint(protowire.AppendTag(
						protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), math.Float64bits(3)),
						4, protowire.VarintType), 1))[1:])),
		"invalid utf-8 name": protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte{0xff, 'a'}),
		"truncated":          full[:len(full)-3],
		"wrong wire type":    protowire.AppendFixed32(protowire.AppendTag(nil, 1, protowire.Fixed32Type), 1),
	}
	return cases
}

// TestPredictCodecMatchesProto: the hand decoder yields what proto.Unmarshal yields, errors
// included.
func TestPredictCodecMatchesProto(t *testing.T) {
	for name, b := range codecCases(t) {
		checkCodec(t, name, b)
	}
}

// FuzzPredictCodec compares the hand decoder with proto.Unmarshal on arbitrary bytes.
func FuzzPredictCodec(f *testing.F) {
	for _, b := range codecCases(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkCodec(t, "fuzz", b) })
}

func checkCodec(t *testing.T, name string, b []byte) {
	t.Helper()
	want := &trainyardv1.PredictRequest{}
	wantErr := proto.Unmarshal(b, want)
	got := &trainyardv1.PredictRequest{}
	gotErr := predictCodec{}.Unmarshal(b, got)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%s: Unmarshal error = %v, want %v", name, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("%s: Unmarshal differs from proto.Unmarshal (-proto +codec):\n%s", name, diff)
	}
	// The hand decoder must actually take the common request, not only fall back.
	if name == "full" && !decodePredictRequest(b, &trainyardv1.PredictRequest{}) {
		t.Errorf("%s: the hand decoder gave way on a plain request", name)
	}
}
