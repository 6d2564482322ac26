package prep

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/trainyard/trainyard/ml/frame"
)

// RowEncoder encodes records whose fields follow one header, for fast
// single-row prediction. It is safe for concurrent use once built.
type RowEncoder struct {
	p      *Pipeline
	pos    []int // field index per step
	fields int   // fields a record needs: max(pos)+1
}

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
	e := &RowEncoder{p: p, pos: make([]int, len(p.Steps))}
	var missing []string
	for i, s := range p.Steps {
		j, ok := at[s.Column]
		if !ok {
			missing = append(missing, s.Column)
		}
		e.pos[i] = j
	}
	if len(missing) > 0 {
		return nil, &frame.MissingColumnsError{Names: missing}
	}
	for _, j := range e.pos {
		e.fields = max(e.fields, j+1)
	}
	return e, nil
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
	out, t := 0, 0
	for i := range p.Steps {
		s := &p.Steps[i]
		raw := rec[e.pos[i]]
		v := cell{str: raw, hasStr: true, missing: p.isMissing(raw)}
		if s.Encoder == EncText {
			if !v.missing {
				text[t] = raw
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
	return x, text, nil
}

// EncodeMap encodes one row given as a map from column name to value:
// string, float64, float32, int, int64, json.Number, bool, time.Time or nil
// (missing). Keys the pipeline does not use are ignored; an absent input
// column is an error naming it. x and text are reused as in Encode.
func (p *Pipeline) EncodeMap(row map[string]any, x []float64, text []string) ([]float64, []string, error) {
	x, text = grow(x, len(p.Names)), growStr(text, len(p.TextNames))
	out, t := 0, 0
	var absent []string
	for i := range p.Steps {
		s := &p.Steps[i]
		val, ok := row[s.Column]
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

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// isMissing reports whether a raw string is a missing marker, ignoring
// surrounding spaces.
func (p *Pipeline) isMissing(s string) bool {
	if len(s) <= p.markerLen && p.markers[s] {
		return true
	}
	if s == "" || !isSpace(s[0]) && !isSpace(s[len(s)-1]) {
		return false
	}
	t := strings.TrimSpace(s)
	return len(t) <= p.markerLen && p.markers[t]
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
