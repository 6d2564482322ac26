package frame

import (
	"fmt"
	"math"
	"strings"
	"unsafe"
)

// Thresholds for telling Text, ID and Categorical apart.
const (
	textMinWords    = 3.0  // mean words per value for Text
	textMinDistinct = 0.5  // share of distinct values for Text
	idMinDistinct   = 0.95 // share of distinct values for ID
	idMinValues     = 20   // fewer present values never make an ID
)

// rawColumn gives indexed access to a column's raw cells.
type rawColumn struct {
	s       string
	ends    []uint32
	missing []bool
}

func (r *rawColumn) at(i int) string {
	start := uint32(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.s[start:r.ends[i]]
}

// inferColumn turns the raw cells of a column into a typed Column, using the
// forced kind when it is not zero.
func inferColumn(name string, cb *colBuf, forced Kind, quoteAll bool) (*Column, error) {
	// View the bytes as a string without copying them: the reader hands the
	// buffer over and never writes to it again, and Text and ID values keep
	// pointing into it.
	var text string
	if len(cb.data) > 0 {
		text = unsafe.String(&cb.data[0], len(cb.data))
	}
	raw := &rawColumn{s: text, ends: cb.ends, missing: cb.missing}
	n := len(cb.ends)
	col := &Column{Name: name, Missing: cb.missing}
	present := 0
	for _, m := range cb.missing {
		if !m {
			present++
		}
	}
	bad := func(i int, kind Kind) error {
		return &ParseError{Row: i + 1, Column: name, Err: fmt.Errorf("%q is not %s: %w", raw.at(i), kind, ErrValue)}
	}
	switch forced {
	case Numeric:
		if i := col.fillNumbers(raw); i >= 0 {
			return nil, bad(i, forced)
		}
		return col, nil
	case Boolean:
		if i := col.fillBools(raw, false); i >= 0 {
			return nil, bad(i, forced)
		}
		return col, nil
	case Datetime:
		if i := col.fillDatetimes(raw); i >= 0 {
			return nil, bad(i, forced)
		}
		return col, nil
	case Categorical, Text, ID:
		col.fillStrings(raw, forced == Categorical)
		col.Kind = forced
		return col, nil
	case 0:
	default:
		return nil, fmt.Errorf("column %q: invalid forced kind %d", name, forced)
	}

	if present == 0 || cb.quoted == 0 || quoteAll {
		if col.fillNumbers(raw) < 0 {
			return col, nil
		}
	}
	if col.fillBools(raw, true) < 0 {
		return col, nil
	}
	if col.fillDatetimes(raw) < 0 {
		return col, nil
	}
	// A string kind: measure words and distinctness.
	index := make(map[string]int32)
	var levels []string
	codes := make([]int32, n)
	words := 0
	for i := range n {
		if raw.missing[i] {
			codes[i] = -1
			continue
		}
		v := raw.at(i)
		k, ok := index[v]
		if !ok {
			k = int32(len(levels))
			index[v] = k
			levels = append(levels, v)
		}
		codes[i] = k
		words += countWords(v)
	}
	meanWords := float64(words) / float64(present)
	share := float64(len(levels)) / float64(present)
	switch {
	case meanWords >= textMinWords && share >= textMinDistinct:
		col.Kind = Text
	case present >= idMinValues && share >= idMinDistinct:
		col.Kind = ID
	default:
		col.Kind = Categorical
		// Store each level once, apart from the raw buffer.
		for i, l := range levels {
			levels[i] = strings.Clone(l)
		}
	}
	str := make([]string, n)
	for i, k := range codes {
		if k >= 0 {
			str[i] = levels[k]
		}
	}
	col.Str = str
	return col, nil
}

// countWords counts runs of non-space bytes (ASCII whitespace separates).
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// fillNumbers parses every present cell as a number. It returns the first
// row that fails (leaving the column untouched), or -1 on success.
func (c *Column) fillNumbers(raw *rawColumn) int {
	num := make([]float64, len(raw.ends))
	for i := range num {
		if raw.missing[i] {
			num[i] = math.NaN()
			continue
		}
		v, ok := ParseNumber(raw.at(i))
		if !ok {
			return i
		}
		num[i] = v
	}
	c.Kind, c.Num = Numeric, num
	return -1
}

// fillBools reads every present cell as a boolean token of one pair family
// (true/false, t/f, yes/no, y/n). It returns the first failing row, or -1.
// With sameFamily a mix such as "yes" and "true" fails.
func (c *Column) fillBools(raw *rawColumn, sameFamily bool) int {
	// Cheap rejection before allocating.
	for i := range raw.ends {
		if !raw.missing[i] {
			if _, p := boolToken(strings.TrimSpace(raw.at(i))); p == pairNone {
				return i
			}
		}
	}
	num := make([]float64, len(raw.ends))
	str := make([]string, len(raw.ends))
	family := pairNone
	intern := make(map[string]string, 4)
	for i := range num {
		if raw.missing[i] {
			num[i] = math.NaN()
			continue
		}
		s := raw.at(i)
		v, p := boolToken(strings.TrimSpace(s))
		if p == pairNone || sameFamily && family != pairNone && p != family {
			return i
		}
		family = p
		if v {
			num[i] = 1
		}
		k, ok := intern[s]
		if !ok {
			k = strings.Clone(s)
			intern[s] = k
		}
		str[i] = k
	}
	if family == pairNone {
		return 0 // nothing present: not evidence for a boolean
	}
	c.Kind, c.Num, c.Str = Boolean, num, str
	return -1
}

// fillDatetimes finds a layout that parses every present cell. It returns
// the first failing row, or -1.
func (c *Column) fillDatetimes(raw *rawColumn) int {
	first := -1
	for i := range raw.ends {
		if !raw.missing[i] {
			first = i
			break
		}
	}
	if first < 0 {
		return 0
	}
	fail := first
	if !looksLikeDate(strings.TrimSpace(raw.at(first))) {
		return first
	}
	for _, layout := range append(DatetimeLayouts(), LayoutISO) {
		if _, ok := ParseDatetime(layout, raw.at(first)); !ok {
			continue
		}
		num := make([]float64, len(raw.ends))
		ok := true
		for i := range num {
			if raw.missing[i] {
				num[i] = math.NaN()
				continue
			}
			v, good := ParseDatetime(layout, raw.at(i))
			if !good {
				ok, fail = false, i
				break
			}
			num[i] = v
		}
		if ok {
			c.Kind, c.Num, c.Layout = Datetime, num, layout
			return -1
		}
	}
	return fail
}

// fillStrings stores the cells as strings. Categorical levels are interned so
// that each level is stored once; other kinds share the column's one string.
func (c *Column) fillStrings(raw *rawColumn, intern bool) {
	str := make([]string, len(raw.ends))
	var levels map[string]string
	if intern {
		levels = make(map[string]string)
	}
	for i := range str {
		if raw.missing[i] {
			continue
		}
		s := raw.at(i)
		if intern {
			k, ok := levels[s]
			if !ok {
				k = strings.Clone(s)
				levels[s] = k
			}
			s = k
		}
		str[i] = s
	}
	c.Str = str
}
