package onnx

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"
)

// fields decodes one message level into field number → raw values (varints
// as uint64, length-delimited as []byte, fixed32 as uint32).
func fields(t *testing.T, b []byte) map[protowire.Number][]any {
	t.Helper()
	out := map[protowire.Number][]any{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			out[num] = append(out[num], v)
			b = b[n:]
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			out[num] = append(out[num], v)
			b = b[n:]
		case protowire.Fixed32Type:
			v, n := protowire.ConsumeFixed32(b)
			out[num] = append(out[num], v)
			b = b[n:]
		default:
			t.Fatalf("unexpected wire type %v", typ)
		}
		if n < 0 {
			t.Fatalf("bad field %d", num)
		}
	}
	return out
}

func TestMarshalUsesOnnxFieldNumbers(t *testing.T) {
	m := Options{Metadata: [][2]string{{"k", "v"}}}.withDefaults().model(Graph{
		Name: "g",
		Nodes: []Node{{Name: "n", OpType: "Imputer", Domain: mlDomain, Inputs: []string{"x"}, Outputs: []string{"y"},
			Attrs: []Attr{FloatAttr("replaced_value_float", float32(math.NaN())), Ints("i", 1, -1)}}},
		Inputs: []ValueInfo{{Name: "x", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 1}}}},
	}, []string{"a"})
	top := fields(t, m.Marshal())
	if got := top[1]; !cmp.Equal(got, []any{uint64(8)}) {
		t.Errorf("ir_version = %v, want [8]", got)
	}
	if len(top[8]) != 2 {
		t.Fatalf("opset_import has %d entries, want 2", len(top[8]))
	}
	ml := fields(t, top[8][1].([]byte))
	if string(ml[1][0].([]byte)) != mlDomain || ml[2][0] != uint64(3) {
		t.Errorf("second opset = %s %v, want %s 3", ml[1][0], ml[2][0], mlDomain)
	}
	if len(top[14]) != 2 {
		t.Errorf("metadata_props has %d entries, want 2 (k, classes)", len(top[14]))
	}
	g := fields(t, top[7][0].([]byte))
	node := fields(t, g[1][0].([]byte))
	if string(node[4][0].([]byte)) != "Imputer" || string(node[7][0].([]byte)) != mlDomain {
		t.Errorf("node op/domain = %s/%s", node[4][0], node[7][0])
	}
	attr := fields(t, node[5][0].([]byte))
	if f := math.Float32frombits(attr[2][0].(uint32)); !math.IsNaN(float64(f)) || attr[20][0] != uint64(AttrFloat) {
		t.Errorf("float attribute = %v type %v, want NaN type %d", f, attr[20][0], AttrFloat)
	}
	ints := fields(t, node[5][1].([]byte))
	packed := ints[8][0].([]byte)
	v1, n := protowire.ConsumeVarint(packed)
	v2, _ := protowire.ConsumeVarint(packed[n:])
	if int64(v1) != 1 || int64(v2) != -1 {
		t.Errorf("ints = %d %d, want 1 -1", int64(v1), int64(v2))
	}
}
