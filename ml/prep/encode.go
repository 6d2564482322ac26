package prep

import (
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/frame"
)

// cell is one input value in whatever form it arrived: a number from a
// typed column or a Go value, a string from a column, record or map.
type cell struct {
	str     string
	num     float64
	numKind frame.Kind // kind that produced num; 0 when there is no number
	hasStr  bool
	missing bool
}

// key is the category text of a cell.
func (v *cell) key() string {
	if v.hasStr {
		return v.str
	}
	return frame.FormatNumber(v.num)
}

// cellAt reads row i of a column.
func cellAt(c *frame.Column, i int) cell {
	v := cell{missing: c.Missing[i]}
	if c.Num != nil {
		v.num, v.numKind = c.Num[i], c.Kind
	}
	if c.Str != nil {
		v.str, v.hasStr = c.Str[i], true
	}
	return v
}

// number reads a cell as the step's numeric input. ok is false when missing.
func (s *Step) number(v *cell) (x float64, ok bool, err error) {
	if v.missing {
		return 0, false, nil
	}
	switch s.Encoder {
	case EncNumeric:
		if v.numKind != 0 {
			return v.num, true, nil
		}
		if x, ok := frame.ParseNumber(v.str); ok {
			return x, true, nil
		}
		return 0, false, fmt.Errorf("%q is not a number", v.str)
	case EncBoolean:
		if v.numKind == frame.Boolean || v.numKind == frame.Numeric {
			return v.num, true, nil
		}
		if b, ok := frame.ParseBool(v.str); ok {
			if b {
				return 1, true, nil
			}
			return 0, true, nil
		}
		if x, ok := frame.ParseNumber(v.str); ok && (x == 0 || x == 1) {
			return x, true, nil
		}
		return 0, false, fmt.Errorf("%q is not a boolean", v.key())
	default: // EncDatetime
		if v.numKind == frame.Datetime {
			return v.num, true, nil
		}
		str := v.key()
		if x, ok := frame.ParseDatetime(s.Layout, str); ok {
			return x, true, nil
		}
		for _, l := range frame.DatetimeLayouts() {
			if x, ok := frame.ParseDatetime(l, str); ok {
				return x, true, nil
			}
		}
		return 0, false, fmt.Errorf("%q is not a datetime (layout %q)", str, s.Layout)
	}
}

// encode writes the step's outputs for one cell into dst (len(s.Out)).
func (s *Step) encode(v *cell, linear bool, dst []float64) error {
	switch s.Encoder {
	case EncNumeric, EncBoolean, EncDatetime:
		x, ok, err := s.number(v)
		if err != nil {
			return err
		}
		p := s.valueOutputs()
		if !linear {
			if !ok {
				for k := range p {
					dst[k] = math.NaN()
				}
			} else if s.Encoder != EncDatetime {
				dst[0] = x // ±Inf stays: trees order it past every threshold
			} else if !s.parts(x, dst) {
				for k := range p {
					dst[k] = math.NaN()
				}
			}
			return nil
		}
		ok = ok && s.parts(x, dst)
		for k := range p {
			if !ok {
				dst[k] = s.Fill[k]
			}
			dst[k] = (dst[k] - s.Center[k]) / s.Scale[k]
		}
		if s.Indicator {
			dst[p] = 0
			if !ok {
				dst[p] = 1
			}
		}
	case EncCodes:
		dst[0] = math.NaN()
		if !v.missing {
			if code, ok := s.index.get(v.key()); ok {
				dst[0] = float64(code)
			}
		}
	case EncOneHot:
		clear(dst)
		if v.missing {
			if s.MissingLevel {
				dst[len(dst)-1] = 1
			}
			return nil
		}
		if code, ok := s.index.get(v.key()); ok {
			dst[code] = 1 // OtherLevels map to the __other__ column
		}
	case EncTarget:
		key := ""
		if !v.missing {
			key = v.key()
		}
		stat := s.Prior
		if l, ok := s.index.get(key); ok {
			stat = s.Stats[l]
		}
		for j := range dst {
			dst[j] = (stat[j] - s.Center[j]) / s.Scale[j]
		}
	}
	return nil
}

// fillColumns encodes every row of c into cols.
func (s *Step) fillColumns(c *frame.Column, cols [][]float64, linear bool) error {
	if s.Encoder == EncNumeric && c.Num != nil {
		s.fillNumbers(c, cols, linear)
		return nil
	}
	buf := make([]float64, len(cols))
	for i := range c.Len() {
		v := cellAt(c, i)
		if err := s.encode(&v, linear, buf); err != nil {
			return fmt.Errorf("column %q row %d: %w", s.Column, i+1, err)
		}
		for k, col := range cols {
			col[i] = buf[k]
		}
	}
	return nil
}

// fillNumbers is fillColumns for a numeric step fed by a numeric-valued
// column: the common case, without per-cell calls.
func (s *Step) fillNumbers(c *frame.Column, cols [][]float64, linear bool) {
	num, miss := c.Num, c.Missing
	out := cols[0][:len(num)]
	if !linear {
		for i, v := range num {
			if miss[i] {
				v = math.NaN()
			}
			out[i] = v
		}
		return
	}
	fill, center, scale := s.Fill[0], s.Center[0], s.Scale[0]
	var ind []float64
	if s.Indicator {
		ind = cols[1][:len(num)]
	}
	for i, v := range num {
		bad := miss[i] || math.IsNaN(v) || math.IsInf(v, 0)
		if bad {
			v = fill
		}
		out[i] = (v - center) / scale
		if ind != nil {
			ind[i] = 0
			if bad {
				ind[i] = 1
			}
		}
	}
}
