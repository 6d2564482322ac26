package server

import (
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// The REST Predict body, {"instances": [{...}, ...], "explain": true}, is turned straight into
// the binary PredictRequest the handler decodes, with no google.protobuf.Struct in between:
// decoding it with protojson and encoding the result again cost half of a REST prediction's
// server CPU. The transcoder takes only what it fully understands — those two fields, JSON
// values without \u escapes, nesting up to maxFastDepth — and leaves anything else to protojson
// (returning false), so the result and every error stay exactly the gateway's. Its output
// decodes to what protojson would give (fuzzed in predict_json_internal_test.go).

// jsonTranscoder turns one JSON body into protobuf wire bytes. Its buffers are reused.
type jsonTranscoder struct {
	in  []byte
	pos int
	// scratch holds one buffer per nesting level: a nested message is written there first,
	// then appended to its parent behind its length.
	scratch [][]byte
	// seen holds per nesting level the hashes of the keys of the object being read: a key
	// seen twice is an error in protojson, so it goes there (and so does the rare pair of
	// keys with one hash, which protojson then takes as it should).
	seen []map[uint64]struct{}
}

// transcoders keeps transcoders, and their buffers, for reuse.
var transcoders = sync.Pool{New: func() any { return &jsonTranscoder{} }}

// keySeed seeds the hashes of object keys.
var keySeed = maphash.MakeSeed()

// transcodePredictJSON appends the PredictRequest of the JSON body to dst; false means "let
// protojson decode it".
func transcodePredictJSON(dst, body []byte) ([]byte, bool) {
	t := transcoders.Get().(*jsonTranscoder)
	defer transcoders.Put(t)
	t.in, t.pos = body, 0
	defer func() { t.in = nil }()
	out, ok := t.request(dst)
	if !ok || t.skipSpace() {
		return dst, false
	}
	return out, true
}

// request reads the top-level object.
func (t *jsonTranscoder) request(dst []byte) ([]byte, bool) {
	var haveRows, haveExplain bool
	ok := t.members(func(key []byte) bool {
		switch {
		case string(key) == "instances" && !haveRows:
			haveRows = true
			return t.elements(func() bool {
				if !t.skipSpace() || t.in[t.pos] != '{' { // each row is an object
					return false
				}
				var ok bool
				dst, ok = t.nested(dst, predictInstancesField, 0, t.object)
				return ok
			})
		case string(key) == "explain" && !haveExplain:
			haveExplain = true
			b, ok := t.boolean()
			if ok && b {
				dst = protowire.AppendTag(dst, predictExplainField, protowire.VarintType)
				dst = protowire.AppendVarint(dst, 1)
			}
			return ok
		}
		return false
	})
	return dst, ok
}

// members reads a JSON object, calling member with each key when its value is next.
func (t *jsonTranscoder) members(member func(key []byte) bool) bool {
	if !t.consume('{') {
		return false
	}
	for first := true; ; first = false {
		if t.consume('}') {
			return true
		}
		if !first && !t.consume(',') {
			return false
		}
		key, ok := t.str()
		if !ok || !t.consume(':') || !member(key) {
			return false
		}
	}
}

// elements reads a JSON array, calling element when each element is next.
func (t *jsonTranscoder) elements(element func() bool) bool {
	if !t.consume('[') {
		return false
	}
	for first := true; ; first = false {
		if t.consume(']') {
			return true
		}
		if (!first && !t.consume(',')) || !element() {
			return false
		}
	}
}

// nested appends field num holding the message that fill writes at depth.
func (t *jsonTranscoder) nested(dst []byte, num protowire.Number, depth int, fill func([]byte, int) ([]byte, bool)) ([]byte, bool) {
	if depth >= maxFastDepth {
		return dst, false
	}
	for len(t.scratch) <= depth {
		t.scratch = append(t.scratch, nil)
	}
	msg, ok := fill(t.scratch[depth][:0], depth)
	t.scratch[depth] = msg
	if !ok {
		return dst, false
	}
	dst = protowire.AppendTag(dst, num, protowire.BytesType)
	return protowire.AppendBytes(dst, msg), true
}

// object writes the Struct of a JSON object.
func (t *jsonTranscoder) object(dst []byte, depth int) ([]byte, bool) {
	for len(t.seen) <= depth {
		t.seen = append(t.seen, map[uint64]struct{}{})
	}
	seen := t.seen[depth]
	clear(seen)
	ok := t.members(func(key []byte) bool {
		h := maphash.Bytes(keySeed, key)
		if _, dup := seen[h]; dup {
			return false
		}
		seen[h] = struct{}{}
		var ok bool
		dst, ok = t.nested(dst, structFieldsField, depth+1, func(e []byte, d int) ([]byte, bool) {
			e = protowire.AppendTag(e, entryKeyField, protowire.BytesType)
			e = protowire.AppendBytes(e, key)
			return t.nested(e, entryValueField, d+1, t.value)
		})
		return ok
	})
	return dst, ok
}

// list writes the ListValue of a JSON array.
func (t *jsonTranscoder) list(dst []byte, depth int) ([]byte, bool) {
	ok := t.elements(func() bool {
		var ok bool
		dst, ok = t.nested(dst, listValuesField, depth+1, t.value)
		return ok
	})
	return dst, ok
}

// value writes the Value of the next JSON value.
func (t *jsonTranscoder) value(dst []byte, depth int) ([]byte, bool) {
	t.skipSpace()
	if t.pos >= len(t.in) {
		return dst, false
	}
	switch c := t.in[t.pos]; {
	case c == '{':
		return t.nested(dst, valueStruct, depth+1, t.object)
	case c == '[':
		return t.nested(dst, valueList, depth+1, t.list)
	case c == '"':
		s, ok := t.str()
		if !ok {
			return dst, false
		}
		dst = protowire.AppendTag(dst, valueString, protowire.BytesType)
		return protowire.AppendBytes(dst, s), true
	case c == 'n':
		if !t.literal("null") {
			return dst, false
		}
		dst = protowire.AppendTag(dst, valueNull, protowire.VarintType)
		return protowire.AppendVarint(dst, 0), true
	case c == 't' || c == 'f':
		b, ok := t.boolean()
		if !ok {
			return dst, false
		}
		dst = protowire.AppendTag(dst, valueBool, protowire.VarintType)
		return protowire.AppendVarint(dst, protowire.EncodeBool(b)), true
	default:
		x, ok := t.number()
		if !ok {
			return dst, false
		}
		dst = protowire.AppendTag(dst, valueNumber, protowire.Fixed64Type)
		return protowire.AppendFixed64(dst, x), true
	}
}

// skipSpace skips JSON whitespace and reports whether anything follows.
func (t *jsonTranscoder) skipSpace() bool {
	for t.pos < len(t.in) {
		switch t.in[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return true
		}
	}
	return false
}

// consume skips whitespace and c, or reports that c is not next.
func (t *jsonTranscoder) consume(c byte) bool {
	if t.skipSpace() && t.in[t.pos] == c {
		t.pos++
		return true
	}
	return false
}

// literal consumes the word w (null, true or false).
func (t *jsonTranscoder) literal(w string) bool {
	if len(t.in)-t.pos < len(w) || string(t.in[t.pos:t.pos+len(w)]) != w {
		return false
	}
	t.pos += len(w)
	return true
}

// boolean reads true or false.
func (t *jsonTranscoder) boolean() (bool, bool) {
	t.skipSpace()
	switch {
	case t.literal("true"):
		return true, true
	case t.literal("false"):
		return false, true
	}
	return false, false
}

// str reads a string as valid UTF-8. Escapes other than \u are undone into a scratch copy;
// \u and raw control characters go to protojson.
func (t *jsonTranscoder) str() ([]byte, bool) {
	if !t.consume('"') {
		return nil, false
	}
	start := t.pos
	var out []byte // nil until the first escape
	for t.pos < len(t.in) {
		c := t.in[t.pos]
		switch {
		case c == '"':
			s := t.in[start:t.pos]
			if out != nil {
				s = out
			}
			t.pos++
			return s, utf8.Valid(s)
		case c < 0x20:
			return nil, false
		case c == '\\':
			if t.pos+1 >= len(t.in) {
				return nil, false
			}
			if out == nil {
				out = append(make([]byte, 0, t.pos-start+16), t.in[start:t.pos]...)
			}
			e, ok := unescape(t.in[t.pos+1])
			if !ok {
				return nil, false
			}
			out = append(out, e)
			t.pos += 2
		default:
			if out != nil {
				out = append(out, c)
			}
			t.pos++
		}
	}
	return nil, false
}

// unescape returns the byte a one-letter JSON escape stands for.
func unescape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// number reads a JSON number (its grammar exactly) as the bits of a float64; a number out of
// float64's range goes to protojson, which rejects it.
func (t *jsonTranscoder) number() (uint64, bool) {
	start := t.pos
	digits := func() int {
		n := 0
		for t.pos < len(t.in) && t.in[t.pos] >= '0' && t.in[t.pos] <= '9' {
			t.pos++
			n++
		}
		return n
	}
	if t.pos < len(t.in) && t.in[t.pos] == '-' {
		t.pos++
	}
	intStart := t.pos
	if n := digits(); n == 0 || (n > 1 && t.in[intStart] == '0') {
		return 0, false
	}
	if t.pos < len(t.in) && t.in[t.pos] == '.' {
		t.pos++
		if digits() == 0 {
			return 0, false
		}
	}
	if t.pos < len(t.in) && (t.in[t.pos] == 'e' || t.in[t.pos] == 'E') {
		t.pos++
		if t.pos < len(t.in) && (t.in[t.pos] == '+' || t.in[t.pos] == '-') {
			t.pos++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(string(t.in[start:t.pos]), 64)
	if err != nil {
		return 0, false
	}
	return math.Float64bits(x), true
}
