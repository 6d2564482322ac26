package prep

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trainyard/trainyard/ml/frame"
)

// RowEncoder encodes records whose fields follow one header, for fast
// single-row prediction. It is safe for concurrent use once built.
type RowEncoder struct {
	p      *Pipeline
	ops    []rowOp // per step
	fields int     // fields a record needs: max(field)+1
}

// rowOp is what Encode does for one step: the common encoders of Trees
// pipelines have their own short paths, the others go through Step.encode.
type rowOp struct {
	kind  opKind
	field int // record field
	out   int // first output in x, or the text index
	step  *Step
}

// opKind selects the path of a rowOp.
type opKind uint8

const (
	opGeneric opKind = iota // Step.encode
	opText                  // raw text
	opCodes                 // category code
	opNumber                // number, as is (Trees)
	opBool                  // boolean, as 0/1 (Trees)
)

// NewRowEncoder binds the pipeline to a header. Header fields that the
// pipeline does not use are ignored; input columns absent from the header
// give a *frame.MissingColumnsError.
func (p *Pipeline) NewRowEncoder(header []string) (*RowEncoder, error) {
	at := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := at[h]; !dup {
			at[h] = i
		}
	}
	e := &RowEncoder{p: p, ops: make([]rowOp, len(p.Steps))}
	var missing []string
	out, t := 0, 0
	for i := range p.Steps {
		s := &p.Steps[i]
		j, ok := at[s.Column]
		if !ok {
			missing = append(missing, s.Column)
		}
		op := rowOp{kind: p.opOf(s), field: j, out: out, step: s}
		if op.kind == opText {
			op.out = t
			t++
		}
		out += len(s.Out)
		e.ops[i] = op
		e.fields = max(e.fields, j+1)
	}
	if len(missing) > 0 {
		return nil, &frame.MissingColumnsError{Names: missing}
	}
	return e, nil
}

// opOf chooses the path of step s.
func (p *Pipeline) opOf(s *Step) opKind {
	one := len(s.Out) == 1
	switch {
	case s.Encoder == EncText:
		return opText
	case s.Encoder == EncCodes && one:
		return opCodes
	case p.Mode == Trees && s.Encoder == EncNumeric && one:
		return opNumber
	case p.Mode == Trees && s.Encoder == EncBoolean && one:
		return opBool
	}
	return opGeneric
}

// Encode encodes one record into x (len(p.Names) numbers) and text
// (len(p.TextNames) strings), reusing their storage when large enough, and
// returns them. Cells equal to a missing marker (after trimming spaces) are
// missing.
func (e *RowEncoder) Encode(rec []string, x []float64, text []string) ([]float64, []string, error) {
	p := e.p
	x, text = grow(x, len(p.Names)), growStr(text, len(p.TextNames))
	if len(rec) < e.fields {
		return nil, nil, fmt.Errorf("record has %d fields, want at least %d", len(rec), e.fields)
	}
	for i := range e.ops {
		op := &e.ops[i]
		raw := rec[op.field]
		// The short paths test for a missing marker only when the cell
		// could be one: a level or a number or boolean that a marker spells.
		switch op.kind {
		case opCodes:
			v := math.NaN()
			if code, ok := op.step.index.get(raw); ok && !(op.step.markerLevel && p.isMissing(raw)) {
				v = float64(code)
			}
			x[op.out] = v
			continue
		case opNumber:
			if v, ok := p.number(raw); ok {
				x[op.out] = v
				continue
			}
		case opBool:
			if v, ok := p.boolean(raw); ok {
				x[op.out] = v
				continue
			}
		case opText:
			if !p.isMissing(raw) {
				text[op.out] = raw
			}
			continue
		}
		// The general path, and the error of a cell a short path refused.
		s := op.step
		v := cell{str: raw, hasStr: true, missing: p.isMissing(raw)}
		if err := s.encode(&v, p.Mode == Linear, x[op.out:op.out+len(s.Out)]); err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", s.Column, err)
		}
	}
	return x, text, nil
}

// number reads the cell of a number step of a Trees pipeline as Encode
// does: its value, or NaN for a missing marker; ok is false for a cell that
// is neither, which the step's general path refuses with an error.
func (p *Pipeline) number(raw string) (float64, bool) {
	v, ok := frame.ParseNumber(raw)
	if ok && (p.markers == nil || !p.markers.number) {
		return v, true
	}
	if p.isMissing(raw) {
		return math.NaN(), true
	}
	return v, ok
}

// boolean is number for a boolean step: 1 or 0, or NaN for a missing
// marker; ok is false for a cell that is neither.
func (p *Pipeline) boolean(raw string) (float64, bool) {
	b, ok := frame.ParseBool(raw)
	if ok && (p.markers == nil || !p.markers.boolean) {
		return boolValue(b), true
	}
	if p.isMissing(raw) {
		return math.NaN(), true
	}
	return boolValue(b), ok
}

// NumberFields returns, when every output of the pipeline is one record
// field read as a number and passed on unchanged (a Trees pipeline of
// numeric steps: no imputation, no scaling, no categories), the record
// field of each output in order; otherwise nil. A caller that turns such
// numbers into another form can then read them with Number straight from
// the record, without Encode's per-step work.
func (e *RowEncoder) NumberFields() []int {
	fields := make([]int, len(e.ops))
	for i, op := range e.ops {
		if op.kind != opNumber || op.out != i {
			return nil
		}
		fields[i] = op.field
	}
	return fields
}

// Number reads one cell of a pipeline with NumberFields as Encode does:
// its value, or NaN for a missing marker. ok is false when the cell is
// neither; Encode then reports the record's error.
func (e *RowEncoder) Number(raw string) (float64, bool) { return e.p.number(raw) }

// EncodeMap encodes one row given as a map from column name to value:
// string, float64, float32, int, int64, json.Number, bool, time.Time or nil
// (missing). Keys the pipeline does not use are ignored; an absent input
// column is an error naming it. x and text are reused as in Encode.
func (p *Pipeline) EncodeMap(row map[string]any, x []float64, text []string) ([]float64, []string, error) {
	return p.encodeBy(func(i int) (any, bool) {
		v, ok := row[p.Steps[i].Column]
		return v, ok
	}, x, text)
}

// Positions returns, for each step, the position of its column in columns,
// for EncodeValues; it fails naming a column that columns lack.
func (p *Pipeline) Positions(columns []string) ([]int, error) {
	at := make([]int, len(p.Steps))
	for i, s := range p.Steps {
		at[i] = slices.Index(columns, s.Column)
		if at[i] < 0 {
			return nil, fmt.Errorf("column %q is not among the row's columns", s.Column)
		}
	}
	return at, nil
}

// EncodeValues encodes one row given as values by position, as EncodeMap
// takes them: step i reads vals[at[i]] (at from Positions). It spares a
// caller that holds a row's values in order the map and a lookup per step.
// x and text are reused as in Encode.
func (p *Pipeline) EncodeValues(vals []any, at []int, x []float64, text []string) ([]float64, []string, error) {
	return p.encodeBy(func(i int) (any, bool) { return vals[at[i]], true }, x, text)
}

// encodeBy encodes one row whose step i reads value(i) (false: the column
// is absent).
func (p *Pipeline) encodeBy(value func(step int) (any, bool), x []float64, text []string) ([]float64, []string, error) {
	x, text = grow(x, len(p.Names)), growStr(text, len(p.TextNames))
	out, t := 0, 0
	var absent []string
	for i := range p.Steps {
		s := &p.Steps[i]
		val, ok := value(i)
		if !ok {
			absent = append(absent, s.Column)
			continue
		}
		v, err := p.cellOf(val)
		if err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", s.Column, err)
		}
		if s.Encoder == EncText {
			if !v.missing {
				text[t] = v.key()
			}
			t++
			continue
		}
		n := len(s.Out)
		if err := s.encode(&v, p.Mode == Linear, x[out:out+n]); err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", s.Column, err)
		}
		out += n
	}
	if len(absent) > 0 {
		return nil, nil, &frame.MissingColumnsError{Names: absent}
	}
	return x, text, nil
}

// cellOf converts a Go value into a cell.
func (p *Pipeline) cellOf(val any) (cell, error) {
	switch v := val.(type) {
	case nil:
		return cell{missing: true}, nil
	case string:
		return cell{str: v, hasStr: true, missing: p.isMissing(v)}, nil
	case float64:
		return cell{num: v, numKind: frame.Numeric, missing: math.IsNaN(v)}, nil
	case float32:
		return cell{num: float64(v), numKind: frame.Numeric, missing: v != v}, nil
	case int:
		return cell{num: float64(v), numKind: frame.Numeric}, nil
	case int64:
		return cell{num: float64(v), numKind: frame.Numeric}, nil
	case json.Number:
		return cell{str: string(v), hasStr: true}, nil
	case bool:
		c := cell{numKind: frame.Boolean}
		if v {
			c.num = 1
		}
		c.str, c.hasStr = boolText(v), true
		return c, nil
	case time.Time:
		return cell{num: frame.UnixSeconds(v), numKind: frame.Datetime, missing: v.IsZero()}, nil
	}
	return cell{}, fmt.Errorf("unsupported value type %T", val)
}

// boolValue is 1 for true, 0 for false.
func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// isMissing reports whether a raw string is a missing marker, ignoring
// surrounding spaces.
func (p *Pipeline) isMissing(s string) bool {
	if p.markers.has(s) {
		return true
	}
	if s == "" || !isSpace(s[0]) && !isSpace(s[len(s)-1]) {
		return false
	}
	return p.markers.has(strings.TrimSpace(s))
}

// rowMarkers lists the strings isMissing matches before and after trimming:
// the markers as given and trimmed, those no longer than the longest
// trimmed marker.
func rowMarkers(markers []string) []string {
	longest := 0
	for _, m := range markers {
		longest = max(longest, len(strings.TrimSpace(m)))
	}
	var out []string
	for _, m := range markers {
		for _, v := range []string{m, strings.TrimSpace(m)} {
			if len(v) <= longest && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func grow(x []float64, n int) []float64 {
	if cap(x) < n {
		return make([]float64, n)
	}
	return x[:n]
}

func growStr(x []string, n int) []string {
	if cap(x) < n {
		return make([]string, n)
	}
	x = x[:n]
	clear(x)
	return x
}

// UnmarshalJSON decodes a pipeline and rebuilds its lookup tables.
func (p *Pipeline) UnmarshalJSON(b []byte) error {
	type plain Pipeline
	var q plain
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	if q.Version < 1 || q.Version > Version {
		return fmt.Errorf("pipeline version %d, this build reads 1..%d", q.Version, Version)
	}
	*p = Pipeline(q)
	if err := p.validate(); err != nil {
		return err
	}
	p.finish()
	return nil
}
