// Package frame holds tables as typed columns and reads them from delimited text.
//
// A Frame is a list of equally long Columns. Each Column has a Kind that says how
// its values are stored:
//
//   - Numeric, Boolean and Datetime values live in Num (float64; Boolean as 0/1,
//     Datetime as Unix seconds in UTC). A missing value is NaN in Num.
//   - Categorical, Text and ID values live in Str. A missing value is "" in Str.
//   - Boolean columns also keep their raw spelling ("Yes", "N", "true") in Str,
//     so labels can be written back exactly as they were read.
//
// Missing is set for every kind and is the one authoritative missing marker.
//
// Read and ReadFile parse CSV and TSV in a single streaming pass and infer each
// column's kind from all of its values; see ReadOptions for the rules.
package frame

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Kind is the logical type of a column.
type Kind uint8

// The column kinds. The zero Kind is invalid.
const (
	// Numeric columns hold real numbers (integers included).
	Numeric Kind = iota + 1
	// Categorical columns hold a limited set of string levels.
	Categorical
	// Boolean columns hold two-valued tokens such as true/false, yes/no, Y/N.
	Boolean
	// Datetime columns hold dates or timestamps.
	Datetime
	// Text columns hold free text (several words per value, mostly distinct).
	Text
	// ID columns hold short unique tokens that identify rows (never free text).
	ID
)

// String returns the lowercase name of the kind ("numeric", "categorical", ...).
func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	case Boolean:
		return "boolean"
	case Datetime:
		return "datetime"
	case Text:
		return "text"
	case ID:
		return "id"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind turns a kind name ("numeric", "categorical", "boolean",
// "datetime", "text", "id") into a Kind.
func ParseKind(s string) (Kind, error) {
	for k := Numeric; k <= ID; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown column kind %q", s)
}

// IsNum reports whether values of this kind are stored in Column.Num.
func (k Kind) IsNum() bool { return k == Numeric || k == Boolean || k == Datetime }

// IsStr reports whether values of this kind are stored in Column.Str.
// Boolean columns store 0/1 in Num and may also keep their raw tokens in Str.
func (k Kind) IsStr() bool { return k == Categorical || k == Text || k == ID }

// MarshalText encodes the kind as its name, so JSON shows "numeric".
func (k Kind) MarshalText() ([]byte, error) {
	if k < Numeric || k > ID {
		return nil, fmt.Errorf("invalid kind %d", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Frame is a table of equally long, uniquely named columns.
type Frame struct {
	// Columns in their input order.
	Columns []*Column
	// Notes records what the reader repaired or decided on the way
	// (renamed headers, replaced bytes); empty for a clean input.
	Notes []string
}

// ErrShape reports columns of unequal length or duplicate names.
var ErrShape = errors.New("bad frame shape")

// New builds a frame from columns, checking that they are equally long and
// uniquely named.
func New(cols ...*Column) (*Frame, error) {
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c == nil {
			return nil, fmt.Errorf("column %d is nil: %w", i, ErrShape)
		}
		if err := c.check(); err != nil {
			return nil, err
		}
		if c.Len() != cols[0].Len() {
			return nil, fmt.Errorf("column %q has %d rows, column %q has %d: %w", c.Name, c.Len(), cols[0].Name, cols[0].Len(), ErrShape)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("duplicate column name %q: %w", c.Name, ErrShape)
		}
		seen[c.Name] = true
	}
	return &Frame{Columns: cols}, nil
}

// NRows returns the number of rows (0 for a frame without columns).
func (f *Frame) NRows() int {
	if len(f.Columns) == 0 {
		return 0
	}
	return f.Columns[0].Len()
}

// NCols returns the number of columns.
func (f *Frame) NCols() int { return len(f.Columns) }

// Names returns the column names in order.
func (f *Frame) Names() []string {
	names := make([]string, len(f.Columns))
	for i, c := range f.Columns {
		names[i] = c.Name
	}
	return names
}

// Index returns the position of the named column, or -1.
func (f *Frame) Index(name string) int {
	for i, c := range f.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Col returns the named column, or nil when there is none.
func (f *Frame) Col(name string) *Column {
	if i := f.Index(name); i >= 0 {
		return f.Columns[i]
	}
	return nil
}

// Select returns a frame with the named columns in the given order. The
// columns are shared, not copied. Unknown names give an error listing them.
func (f *Frame) Select(names ...string) (*Frame, error) {
	out := &Frame{Columns: make([]*Column, 0, len(names))}
	var missing []string
	for _, n := range names {
		c := f.Col(n)
		if c == nil {
			missing = append(missing, n)
			continue
		}
		out.Columns = append(out.Columns, c)
	}
	if len(missing) > 0 {
		return nil, &MissingColumnsError{Names: missing}
	}
	return out, nil
}

// Drop returns a frame without the named columns (unknown names are ignored).
// The remaining columns are shared, not copied.
func (f *Frame) Drop(names ...string) *Frame {
	out := &Frame{Columns: make([]*Column, 0, len(f.Columns))}
	for _, c := range f.Columns {
		if !slices.Contains(names, c.Name) {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}

// Take returns a new frame holding the given rows, in the given order
// (indices may repeat, as in a bootstrap sample). It panics on an index out of
// range, like a slice would.
func (f *Frame) Take(rows []int) *Frame {
	out := &Frame{Columns: make([]*Column, len(f.Columns))}
	for i, c := range f.Columns {
		out.Columns[i] = c.Take(rows)
	}
	return out
}

// Filter returns a new frame with the rows for which keep returns true.
func (f *Frame) Filter(keep func(row int) bool) *Frame {
	n := f.NRows()
	rows := make([]int, 0, n)
	for i := range n {
		if keep(i) {
			rows = append(rows, i)
		}
	}
	return f.Take(rows)
}

// Head returns the first n rows (all rows when the frame is shorter).
func (f *Frame) Head(n int) *Frame {
	n = min(n, f.NRows())
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return f.Take(rows)
}

// MissingColumnsError names columns that a caller asked for but a frame lacks.
type MissingColumnsError struct {
	Names []string
}

// Error lists the missing column names.
func (e *MissingColumnsError) Error() string {
	return fmt.Sprintf("missing columns %q", e.Names)
}

// FormatNumber writes a float in its shortest form: 1 not 1.0, 0.5, 1e+21.
// Missing values (NaN) give "".
func FormatNumber(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
