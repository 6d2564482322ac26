package server

import (
	"strconv"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// The REST Predict body, {"instances": [{...}, ...], "explain": true}, is decoded by hand into
// its PredictRequest: protojson spent half of a REST prediction's server CPU on it, and a
// transcoding to protobuf bytes for the binary decoder a fifth. The decoder takes only what it
// fully understands — those two fields, JSON values without \u escapes, nesting up to
// maxFastDepth — and leaves anything else to protojson (returning false), so the result and
// every error stay exactly the gateway's (fuzzed in predict_json_internal_test.go).

// jsonDecoder reads one JSON body into its PredictRequest. It is reused, with the keys it has
// seen (see key), the memory of the last body and the request it decoded last: that request's
// rows, their maps and Values are handed out again for the next body, so a decoder that has
// read a body like the next allocates nothing for it. A request is the decoder's until release.
type jsonDecoder struct {
	in  []byte
	pos int
	// body is memory for the bodies the decoder reads (see readBody).
	body []byte
	req  trainyardv1.PredictRequest
	// rows, maps and vals hand out the request's Structs, their field maps and Values.
	rows arena[structpb.Struct]
	maps fieldMaps
	vals valueBlock
	// keys holds the object keys of earlier bodies, so that a key every row repeats is one
	// string for all of them; keyBytes is their total length, bounded by maxKeyBytes.
	keys     map[string]string
	keyBytes int
	// width is the member count of the last object read, which sizes the next one's map:
	// the rows of a request usually have the same fields.
	width int
}

// maxKeyBytes bounds the keys a decoder keeps between bodies, maxKeptItems the rows and Values
// and maxKeptBody the body memory: a decoder that read a larger request goes back to the pool
// without them.
const (
	maxKeyBytes  = 64 << 10
	maxKeptItems = 16 << 10
	maxKeptBody  = 1 << 20
)

// jsonDecoders keeps decoders, and the keys they have seen, for reuse.
var jsonDecoders = sync.Pool{New: func() any {
	return &jsonDecoder{keys: map[string]string{}, vals: valueBlock{chunk: true}}
}}

// getJSONDecoder returns a decoder from the pool; release it when its request is done with.
func getJSONDecoder() *jsonDecoder { return jsonDecoders.Get().(*jsonDecoder) }

// decode decodes body into the decoder's request; false means "let protojson decode it".
func (d *jsonDecoder) decode(body []byte) (*trainyardv1.PredictRequest, bool) {
	d.reset()
	d.in = body
	defer func() { d.in = nil }()
	return &d.req, d.request(&d.req) && !d.skipSpace()
}

// release returns the decoder to the pool: nothing may read the request it decoded after this.
// The next decode resets it.
func (d *jsonDecoder) release() {
	d.trim()
	jsonDecoders.Put(d)
}

// trim drops the memory of a request larger than the usual ones, so that the pool does not
// keep it: a body of many rows, even empty ones, or of many Values.
func (d *jsonDecoder) trim() {
	if d.rows.given+d.vals.vals.given > maxKeptItems {
		d.rows, d.maps, d.vals = arena[structpb.Struct]{}, fieldMaps{}, valueBlock{chunk: true}
		d.req.Instances = nil
	}
	if cap(d.body) > maxKeptBody {
		d.body = nil
	}
}

// reset readies the decoder for a body, its request empty and every row, map and Value
// handed out before available again.
func (d *jsonDecoder) reset() {
	rows := d.req.Instances[:0]
	proto.Reset(&d.req)
	d.req.Instances = rows
	d.rows.reset()
	d.maps.reset()
	d.vals.reset()
	d.pos = 0
}

// fieldMaps hands out empty field maps for a body's objects, and keeps them for the next body.
type fieldMaps struct {
	maps []map[string]*structpb.Value
	next int
}

// take returns an empty map, made with room for width fields when none is kept.
func (f *fieldMaps) take(width int) map[string]*structpb.Value {
	if f.next == len(f.maps) {
		f.maps = append(f.maps, make(map[string]*structpb.Value, width))
	}
	m := f.maps[f.next]
	f.next++
	return m
}

// reset empties the maps handed out, to hand them out again.
func (f *fieldMaps) reset() {
	for _, m := range f.maps[:f.next] {
		clear(m)
	}
	f.next = 0
}

// request reads the top-level object.
func (d *jsonDecoder) request(r *trainyardv1.PredictRequest) bool {
	var haveRows, haveExplain bool
	return d.members(func(key []byte) bool {
		switch {
		case string(key) == "instances" && !haveRows:
			haveRows = true
			return d.elements(func() bool {
				if !d.skipSpace() || d.in[d.pos] != '{' { // each row is an object
					return false
				}
				s, ok := d.object(0)
				r.Instances = append(r.Instances, s)
				return ok
			})
		case string(key) == "explain" && !haveExplain:
			haveExplain = true
			b, ok := d.boolean()
			r.Explain = b
			return ok
		}
		return false
	})
}

// members reads a JSON object, calling member with each key when its value is next.
func (d *jsonDecoder) members(member func(key []byte) bool) bool {
	if !d.consume('{') {
		return false
	}
	for first := true; ; first = false {
		if d.consume('}') {
			return true
		}
		if !first && !d.consume(',') {
			return false
		}
		key, ok := d.str()
		if !ok || !d.consume(':') || !member(key) {
			return false
		}
	}
}

// elements reads a JSON array, calling element when each element is next.
func (d *jsonDecoder) elements(element func() bool) bool {
	if !d.consume('[') {
		return false
	}
	for first := true; ; first = false {
		if d.consume(']') {
			return true
		}
		if (!first && !d.consume(',')) || !element() {
			return false
		}
	}
}

// object reads a JSON object as a Struct. A key given twice is an error in protojson, so that
// object goes there.
func (d *jsonDecoder) object(depth int) (*structpb.Struct, bool) {
	if depth >= maxFastDepth {
		return nil, false
	}
	s := d.rows.take(min(max(d.rows.given, 4), 1024))
	ok := d.members(func(key []byte) bool {
		if s.Fields == nil {
			s.Fields = d.maps.take(d.width)
		}
		v := d.vals.value()
		n := len(s.Fields)
		if s.Fields[d.key(key)] = v; len(s.Fields) == n { // the key was there already
			return false
		}
		return d.value(v, depth+1)
	})
	d.width = len(s.Fields)
	return s, ok
}

// key returns key as a string, the same string for the same key in every body this decoder
// reads while it has room.
func (d *jsonDecoder) key(key []byte) string {
	if k, ok := d.keys[string(key)]; ok {
		return k
	}
	k := string(key)
	if d.keyBytes+len(k) <= maxKeyBytes {
		d.keys[k] = k
		d.keyBytes += len(k)
	}
	return k
}

// value reads the next JSON value into v.
func (d *jsonDecoder) value(v *structpb.Value, depth int) bool {
	if !d.skipSpace() {
		return false
	}
	switch c := d.in[d.pos]; {
	case c == '{':
		s, ok := d.object(depth)
		v.Kind = &structpb.Value_StructValue{StructValue: s}
		return ok
	case c == '[':
		l, ok := d.list(depth)
		v.Kind = &structpb.Value_ListValue{ListValue: l}
		return ok
	case c == '"':
		s, ok := d.str()
		v.Kind = d.vals.text(string(s))
		return ok
	case c == 'n':
		v.Kind = &structpb.Value_NullValue{}
		return d.literal("null")
	case c == 't' || c == 'f':
		b, ok := d.boolean()
		v.Kind = &structpb.Value_BoolValue{BoolValue: b}
		return ok
	default:
		x, ok := d.number()
		v.Kind = d.vals.number(x)
		return ok
	}
}

// list reads a JSON array as a ListValue.
func (d *jsonDecoder) list(depth int) (*structpb.ListValue, bool) {
	if depth >= maxFastDepth {
		return nil, false
	}
	l := &structpb.ListValue{}
	ok := d.elements(func() bool {
		v := d.vals.value()
		l.Values = append(l.Values, v)
		return d.value(v, depth+1)
	})
	return l, ok
}

// skipSpace skips JSON whitespace and reports whether anything follows.
func (d *jsonDecoder) skipSpace() bool {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return true
		}
	}
	return false
}

// consume skips whitespace and c, or reports that c is not next.
func (d *jsonDecoder) consume(c byte) bool {
	if d.skipSpace() && d.in[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// literal consumes the word w (null, true or false).
func (d *jsonDecoder) literal(w string) bool {
	if len(d.in)-d.pos < len(w) || string(d.in[d.pos:d.pos+len(w)]) != w {
		return false
	}
	d.pos += len(w)
	return true
}

// boolean reads true or false.
func (d *jsonDecoder) boolean() (bool, bool) {
	d.skipSpace()
	switch {
	case d.literal("true"):
		return true, true
	case d.literal("false"):
		return false, true
	}
	return false, false
}

// str reads a string as valid UTF-8. Escapes other than \u are undone into a scratch copy;
// \u and raw control characters go to protojson.
func (d *jsonDecoder) str() ([]byte, bool) {
	if !d.consume('"') {
		return nil, false
	}
	start := d.pos
	var out []byte // nil until the first escape
	for d.pos < len(d.in) {
		c := d.in[d.pos]
		switch {
		case c == '"':
			s := d.in[start:d.pos]
			if out != nil {
				s = out
			}
			d.pos++
			return s, utf8.Valid(s)
		case c < 0x20:
			return nil, false
		case c == '\\':
			if d.pos+1 >= len(d.in) {
				return nil, false
			}
			if out == nil {
				out = append(make([]byte, 0, d.pos-start+16), d.in[start:d.pos]...)
			}
			e, ok := unescape(d.in[d.pos+1])
			if !ok {
				return nil, false
			}
			out = append(out, e)
			d.pos += 2
		default:
			if out != nil {
				out = append(out, c)
			}
			d.pos++
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

// number reads a JSON number (its grammar exactly); a number out of float64's range goes to
// protojson, which rejects it.
func (d *jsonDecoder) number() (float64, bool) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.in) && d.in[d.pos] >= '0' && d.in[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos < len(d.in) && d.in[d.pos] == '-' {
		d.pos++
	}
	intStart := d.pos
	if n := digits(); n == 0 || (n > 1 && d.in[intStart] == '0') {
		return 0, false
	}
	if d.pos < len(d.in) && d.in[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return 0, false
		}
	}
	if d.pos < len(d.in) && (d.in[d.pos] == 'e' || d.in[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.in) && (d.in[d.pos] == '+' || d.in[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(string(d.in[start:d.pos]), 64)
	return x, err == nil
}
