package frame

import (
	"errors"
	"fmt"
	"strings"
)

// Errors that Read wraps; test for them with errors.Is.
var (
	// ErrEmpty means the input holds no header.
	ErrEmpty = errors.New("empty input: no header row")
	// ErrNoRows means the input holds a header but no data rows.
	ErrNoRows = errors.New("header only: no data rows")
	// ErrRagged means a row has more or fewer fields than the header.
	ErrRagged = errors.New("row has the wrong number of fields")
	// ErrInvalidUTF8 means a field holds bytes that are not UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8 (set ReadOptions.ReplaceInvalidUTF8 to replace such bytes)")
	// ErrQuote means a quoted field is never closed or is followed by
	// something other than a delimiter.
	ErrQuote = errors.New("malformed quoted field")
	// ErrValue means a value does not fit the kind forced on its column.
	ErrValue = errors.New("value does not fit the column kind")
	// ErrDuplicateHeader means two columns share a name and renaming is off.
	ErrDuplicateHeader = errors.New("duplicate column name")
)

// ParseError locates a problem in delimited input.
type ParseError struct {
	// Line is the 1-based physical line on which the record starts.
	Line int
	// Row is the 1-based data row (the header is row 0); 0 when unknown.
	Row int
	// Field is the 1-based field position; 0 when the whole row is at fault.
	Field int
	// Column is the column's name when known.
	Column string
	// Err says what is wrong.
	Err error
}

// Error reads like `line 12 (row 11), column "age" (field 3): ...`; rows count
// data rows from 1, lines count physical lines (the header is line 1).
func (e *ParseError) Error() string {
	var b strings.Builder
	switch {
	case e.Line > 0 && e.Row > 0:
		fmt.Fprintf(&b, "line %d (row %d)", e.Line, e.Row)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d", e.Line)
	default:
		fmt.Fprintf(&b, "row %d", e.Row)
	}
	switch {
	case e.Column != "":
		fmt.Fprintf(&b, ", column %q (field %d)", e.Column, e.Field)
	case e.Field > 0:
		fmt.Fprintf(&b, ", field %d", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
