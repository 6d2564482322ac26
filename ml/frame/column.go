package frame

import (
	"fmt"
	"math"
	"time"
)

// Column is one named, typed column of a Frame.
type Column struct {
	// Name is the header of the column.
	Name string
	// Kind says which of Num and Str hold the values.
	Kind Kind
	// Num holds Numeric values, Boolean values as 0/1 and Datetime values as
	// Unix seconds (UTC); NaN marks a missing value. Nil for string kinds.
	Num []float64
	// Str holds Categorical, Text and ID values, and the raw spelling of
	// Boolean values; "" marks a missing value. Nil for Numeric and Datetime.
	Str []string
	// Missing is true where the value is missing; always len(Missing) rows.
	Missing []bool
	// Layout is the time layout (Go reference-time syntax) that parsed a
	// Datetime column; "" for other kinds.
	Layout string
}

// NewNumeric returns a Numeric column; NaN values are marked missing.
func NewNumeric(name string, values []float64) *Column {
	miss := make([]bool, len(values))
	for i, v := range values {
		miss[i] = math.IsNaN(v)
	}
	return &Column{Name: name, Kind: Numeric, Num: values, Missing: miss}
}

// NewStrings returns a Categorical, Text or ID column; empty values are
// marked missing.
func NewStrings(name string, kind Kind, values []string) *Column {
	miss := make([]bool, len(values))
	for i, v := range values {
		miss[i] = v == ""
	}
	return &Column{Name: name, Kind: kind, Str: values, Missing: miss}
}

// NewBoolean returns a Boolean column without missing values, spelled
// "true" and "false".
func NewBoolean(name string, values []bool) *Column {
	c := &Column{Name: name, Kind: Boolean, Num: make([]float64, len(values)),
		Str: make([]string, len(values)), Missing: make([]bool, len(values))}
	for i, v := range values {
		c.Str[i] = "false"
		if v {
			c.Num[i], c.Str[i] = 1, "true"
		}
	}
	return c
}

// NewDatetime returns a Datetime column from times; the zero time is missing.
func NewDatetime(name string, values []time.Time) *Column {
	num := make([]float64, len(values))
	miss := make([]bool, len(values))
	for i, t := range values {
		if t.IsZero() {
			num[i], miss[i] = math.NaN(), true
			continue
		}
		num[i] = UnixSeconds(t)
	}
	return &Column{Name: name, Kind: Datetime, Num: num, Missing: miss, Layout: time.RFC3339Nano}
}

// UnixSeconds returns t as seconds since 1970-01-01 UTC, with the fraction.
func UnixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// Len returns the number of rows.
func (c *Column) Len() int { return len(c.Missing) }

// IsMissing reports whether row i is missing.
func (c *Column) IsMissing(i int) bool { return c.Missing[i] }

// NumMissing counts the missing rows.
func (c *Column) NumMissing() int {
	n := 0
	for _, m := range c.Missing {
		if m {
			n++
		}
	}
	return n
}

// Value returns row i as text: the stored string for string kinds (the raw
// token for Boolean), the shortest number for Numeric, RFC 3339 for
// Datetime, and "" when missing.
func (c *Column) Value(i int) string {
	if c.Missing[i] {
		return ""
	}
	switch {
	case c.Str != nil:
		return c.Str[i]
	case c.Kind == Datetime:
		sec, frac := math.Modf(c.Num[i])
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(time.RFC3339Nano)
	default:
		return FormatNumber(c.Num[i])
	}
}

// Take returns a new column holding the given rows in the given order.
func (c *Column) Take(rows []int) *Column {
	out := &Column{Name: c.Name, Kind: c.Kind, Layout: c.Layout, Missing: make([]bool, len(rows))}
	miss := c.Missing
	for i, r := range rows {
		out.Missing[i] = miss[r]
	}
	if c.Num != nil {
		num := c.Num
		out.Num = make([]float64, len(rows))
		for i, r := range rows {
			out.Num[i] = num[r]
		}
	}
	if c.Str != nil {
		str := c.Str
		out.Str = make([]string, len(rows))
		for i, r := range rows {
			out.Str[i] = str[r]
		}
	}
	return out
}

// Levels returns the distinct non-missing strings of a string-valued column
// in order of first appearance, and each row's index into them (-1 when
// missing). It returns nil, nil for columns without strings.
func (c *Column) Levels() (levels []string, codes []int32) {
	if c.Str == nil {
		return nil, nil
	}
	index := make(map[string]int32)
	codes = make([]int32, len(c.Str))
	for i, s := range c.Str {
		if c.Missing[i] {
			codes[i] = -1
			continue
		}
		k, ok := index[s]
		if !ok {
			k = int32(len(levels))
			index[s] = k
			levels = append(levels, s)
		}
		codes[i] = k
	}
	return levels, codes
}

// check verifies that the storage matches the kind.
func (c *Column) check() error {
	n := len(c.Missing)
	switch {
	case c.Kind < Numeric || c.Kind > ID:
		return fmt.Errorf("column %q: invalid kind %d: %w", c.Name, c.Kind, ErrShape)
	case c.Kind.IsNum() && len(c.Num) != n:
		return fmt.Errorf("column %q: %d numbers for %d rows: %w", c.Name, len(c.Num), n, ErrShape)
	case c.Kind.IsStr() && len(c.Str) != n:
		return fmt.Errorf("column %q: %d strings for %d rows: %w", c.Name, len(c.Str), n, ErrShape)
	}
	return nil
}
