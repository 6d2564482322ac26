package server

import (
	"errors"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// predictCodec is the binary protobuf codec of the PredictionService (Connect and gRPC). It
// decodes a PredictRequest by hand: the generic decoder fills each row's map through
// reflection, about a fifth of a prediction's server CPU. Anything the hand decoder does not
// expect (unknown fields, a field repeated where proto would merge, deep nesting, invalid
// UTF-8) goes to proto.Unmarshal, so the result and the errors are proto's.
type predictCodec struct{}

// Name implements connect.Codec.
func (predictCodec) Name() string { return "proto" }

// Marshal implements connect.Codec.
func (predictCodec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return proto.Marshal(pm)
}

// MarshalAppend appends the encoding of m to dst (connect reuses its buffers through it).
func (predictCodec) MarshalAppend(dst []byte, m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, pm)
}

// Unmarshal implements connect.Codec.
func (predictCodec) Unmarshal(b []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotProto
	}
	if r, ok := m.(*trainyardv1.PredictRequest); ok {
		if decodePredictRequest(b, r) {
			return nil
		}
		proto.Reset(r)
	}
	return proto.Unmarshal(b, pm)
}

var errNotProto = errors.New("not a protobuf message")

// Field numbers of PredictRequest and of google.protobuf.Struct, Value and ListValue.
const (
	predictNameField      = 1
	predictInstancesField = 2
	predictExplainField   = 3
	predictImagesField    = 4

	structFieldsField = 1 // map entry: key 1, value 2
	entryKeyField     = 1
	entryValueField   = 2

	valueNull   = 1
	valueNumber = 2
	valueString = 3
	valueBool   = 4
	valueStruct = 5
	valueList   = 6

	listValuesField = 1
)

// maxFastDepth is the deepest nesting of values the hand decoder follows.
const maxFastDepth = 32

// decodePredictRequest decodes b into r; false means "let proto do it".
func decodePredictRequest(b []byte, r *trainyardv1.PredictRequest) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch {
		case num == predictNameField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 || !utf8.Valid(v) {
				return false
			}
			r.Name, b = string(v), b[n:]
		case num == predictInstancesField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			s := &structpb.Struct{}
			if !decodeStruct(v, s, 0) {
				return false
			}
			r.Instances, b = append(r.Instances, s), b[n:]
		case num == predictExplainField && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			r.Explain, b = v != 0, b[n:]
		case num == predictImagesField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			r.Images, b = append(r.Images, append([]byte{}, v...)), b[n:]
		default:
			return false
		}
	}
	return true
}

// decodeStruct decodes a google.protobuf.Struct. Its values are allocated in one block.
func decodeStruct(b []byte, s *structpb.Struct, depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	n := countEntries(b)
	if n < 0 {
		return false
	}
	if n == 0 {
		return true
	}
	s.Fields = make(map[string]*structpb.Value, n)
	blk := &valueBlock{}
	blk.vals.reserve(n)
	for len(b) > 0 {
		_, _, n := protowire.ConsumeTag(b)
		b = b[n:]
		entry, n := protowire.ConsumeBytes(b)
		b = b[n:]
		key, val, ok := decodeEntry(entry, blk, depth)
		if !ok {
			return false
		}
		s.Fields[key] = val
	}
	return true
}

// countEntries counts the map entries (field 1, length-delimited) of an encoded Struct; -1
// when it holds anything else or is malformed.
func countEntries(b []byte) int {
	n := 0
	for len(b) > 0 {
		num, typ, m := protowire.ConsumeTag(b)
		if m < 0 || num != structFieldsField || typ != protowire.BytesType {
			return -1
		}
		b = b[m:]
		m = protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return -1
		}
		b = b[m:]
		n++
	}
	return n
}

// valueBlock hands out Values and their number and text kinds from a few allocations: sized
// up front when the decoder knows how many values a Struct holds (the binary decoder), or in
// chunks that grow with the values handed out (chunk: the JSON decoder, which keeps its block
// from one body to the next and hands the same items out again after reset).
type valueBlock struct {
	vals  arena[structpb.Value]
	nums  arena[structpb.Value_NumberValue]
	texts arena[structpb.Value_StringValue]
	chunk bool
}

// refill is how many of a slab's items to allocate when it runs out: in a block sized up
// front, one for each Value left and one for the Value being filled; in chunks, as many as
// were handed out so far, from 16 to 1024.
func (blk *valueBlock) refill() int {
	if !blk.chunk {
		return blk.vals.left() + 1
	}
	return min(max(blk.vals.given, 16), 1024)
}

// value returns the next fresh Value.
func (blk *valueBlock) value() *structpb.Value {
	return blk.vals.take(blk.refill())
}

// number returns a fresh number kind holding x.
func (blk *valueBlock) number(x float64) *structpb.Value_NumberValue {
	k := blk.nums.take(blk.refill())
	k.NumberValue = x
	return k
}

// text returns a fresh string kind holding s.
func (blk *valueBlock) text(s string) *structpb.Value_StringValue {
	k := blk.texts.take(blk.refill())
	k.StringValue = s
	return k
}

// reset makes every item handed out available again.
func (blk *valueBlock) reset() {
	blk.vals.reset()
	blk.nums.reset()
	blk.texts.reset()
}

// arena hands out zeroed items of T from slabs it allocates as it runs out of them, and keeps:
// after reset it hands out the same items again.
type arena[T any] struct {
	slabs [][]T
	slab  int // the slab the next item comes from
	next  int // the next item's index in it
	given int // items handed out since the last reset
}

// take returns the next item, allocating a slab of n items first when none is left.
func (a *arena[T]) take(n int) *T {
	for a.slab < len(a.slabs) && a.next == len(a.slabs[a.slab]) {
		a.slab, a.next = a.slab+1, 0
	}
	if a.slab == len(a.slabs) {
		a.slabs = append(a.slabs, make([]T, n))
	}
	t := &a.slabs[a.slab][a.next]
	clear(a.slabs[a.slab][a.next : a.next+1])
	a.next++
	a.given++
	return t
}

// reserve gives the arena a slab of n items to hand out first (it must be empty).
func (a *arena[T]) reserve(n int) { a.slabs = [][]T{make([]T, n)} }

// left is how many items the current slab has left.
func (a *arena[T]) left() int {
	if a.slab == len(a.slabs) {
		return 0
	}
	return len(a.slabs[a.slab]) - a.next
}

// reset makes every item handed out available again.
func (a *arena[T]) reset() { a.slab, a.next, a.given = 0, 0, 0 }

// decodeEntry decodes one map entry of a Struct: a key and a value, both optional.
func decodeEntry(b []byte, blk *valueBlock, depth int) (string, *structpb.Value, bool) {
	var key string
	var val *structpb.Value
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return "", nil, false
		}
		b = b[n:]
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return "", nil, false
		}
		b = b[n:]
		switch num {
		case entryKeyField:
			if !utf8.Valid(v) {
				return "", nil, false
			}
			key = string(v)
		case entryValueField:
			if val != nil { // proto merges a repeated value message; leave that to proto
				return "", nil, false
			}
			val = blk.value()
			if !decodeValue(v, val, blk, depth) {
				return "", nil, false
			}
		default:
			return "", nil, false
		}
	}
	if val == nil {
		val = blk.value()
	}
	return key, val, true
}

// decodeValue decodes a google.protobuf.Value holding at most one kind.
func decodeValue(b []byte, v *structpb.Value, blk *valueBlock, depth int) bool {
	set := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || set {
			return false
		}
		b = b[n:]
		set = true
		switch {
		case num == valueNull && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			v.Kind, b = &structpb.Value_NullValue{NullValue: structpb.NullValue(int32(x))}, b[n:]
		case num == valueNumber && typ == protowire.Fixed64Type:
			x, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return false
			}
			v.Kind, b = blk.number(math.Float64frombits(x)), b[n:]
		case num == valueString && typ == protowire.BytesType:
			x, n := protowire.ConsumeBytes(b)
			if n < 0 || !utf8.Valid(x) {
				return false
			}
			v.Kind, b = blk.text(string(x)), b[n:]
		case num == valueBool && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			v.Kind, b = &structpb.Value_BoolValue{BoolValue: x != 0}, b[n:]
		case num == valueStruct && typ == protowire.BytesType:
			x, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			s := &structpb.Struct{}
			if !decodeStruct(x, s, depth+1) {
				return false
			}
			v.Kind, b = &structpb.Value_StructValue{StructValue: s}, b[n:]
		case num == valueList && typ == protowire.BytesType:
			x, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			l := &structpb.ListValue{}
			if !decodeList(x, l, depth+1) {
				return false
			}
			v.Kind, b = &structpb.Value_ListValue{ListValue: l}, b[n:]
		default:
			return false
		}
	}
	return true
}

// decodeList decodes a google.protobuf.ListValue.
func decodeList(b []byte, l *structpb.ListValue, depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != listValuesField || typ != protowire.BytesType {
			return false
		}
		b = b[n:]
		x, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		v := &structpb.Value{}
		if !decodeValue(x, v, &valueBlock{}, depth) {
			return false
		}
		l.Values = append(l.Values, v)
	}
	return true
}
