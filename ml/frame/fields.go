package frame

import (
	"encoding/csv"
	"strings"
)

// AppendFields appends the fields of line, one CSV record without its
// line break, to dst: for a line without quotes the cells of AppendCells,
// for one with quotes the fields encoding/csv reads, or its error. Lines
// whose quotes are plain (see PlainQuotes) are read in place, their fields
// substrings of line; only the others go through encoding/csv, which
// copies them.
func AppendFields(dst []string, line string) ([]string, error) {
	if PlainQuotes(line) {
		return AppendUnquoted(dst, line), nil
	}
	cr := csv.NewReader(strings.NewReader(line))
	cr.FieldsPerRecord = -1
	fields, err := cr.Read()
	if err != nil {
		return dst, err
	}
	return append(dst, fields...), nil
}

// PlainQuotes reports whether AppendFields reads line without
// encoding/csv: line has no quote, or every quote of it opens or closes a
// cell that it wraps whole (`"spam"`, `"5.1"`, `""`), with no comma or
// quote inside, and line has no line break and does not end in a carriage
// return (encoding/csv would drop it). The commas of such a line are then
// exactly where its fields end, and its fields are its cells with Unquote:
// callers locate cells with AppendCommas and read them in place.
//
// Writers that quote strings (pandas' QUOTE_NONNUMERIC, spreadsheet
// exports) mostly write such lines; quoted commas, doubled quotes and
// quoted line breaks are rare.
func PlainQuotes(line string) bool {
	q := strings.IndexByte(line, '"')
	if q < 0 {
		return true
	}
	if strings.IndexByte(line, '\n') >= 0 || line[len(line)-1] == '\r' {
		return false
	}
	for {
		if q > 0 && line[q-1] != ',' {
			return false // a quote inside an unquoted cell
		}
		end := strings.IndexByte(line[q+1:], '"')
		if end < 0 {
			return false // never closed
		}
		end += q + 1
		if strings.IndexByte(line[q+1:end], ',') >= 0 || end+1 < len(line) && line[end+1] != ',' {
			return false // a quoted comma, or a doubled quote or text after the closing one
		}
		next := strings.IndexByte(line[end+1:], '"')
		if next < 0 {
			return true
		}
		q = end + 1 + next
	}
}

// AppendUnquoted appends the cells of line, split at every comma, to dst,
// each without the quotes that wrap it (see Unquote): the fields of a line
// with PlainQuotes, substrings of line.
func AppendUnquoted(dst []string, line string) []string {
	n := len(dst)
	dst = AppendCells(dst, line)
	for i, c := range dst[n:] {
		dst[n+i] = Unquote(c)
	}
	return dst
}

// Unquote returns cell without the quotes that wrap it, if it has them:
// the field of a cell of a line with PlainQuotes.
func Unquote(cell string) string {
	if len(cell) >= 2 && cell[0] == '"' && cell[len(cell)-1] == '"' {
		return cell[1 : len(cell)-1]
	}
	return cell
}
