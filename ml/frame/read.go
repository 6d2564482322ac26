package frame

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ReadOptions tunes Read. The zero value reads a headed CSV or TSV with
// automatic delimiter detection and the default missing markers.
//
// Inference rules, applied to all non-missing values of a column:
//   - Numeric when every value parses as a decimal number (hex and thousands
//     separators do not) and none of them was quoted. A quoted number is a
//     category: "7" in quotes stays a string. The exception is a file in which
//     every non-empty field is quoted: there quotes say nothing.
//   - Boolean when every value, case-folded, is one of a single pair:
//     true/false, t/f, yes/no or y/n. 0/1 columns stay Numeric.
//   - Datetime when every value parses with one layout: ISO 8601 dates and
//     date-times (with or without zone and fractional seconds), "2006/01/02",
//     "01/02/2006" (US) or "02/01/2006" (whichever fits all values, US first),
//     "02.01.2006", "02-Jan-2006", "Jan 2, 2006" and "2 Jan 2006".
//   - Otherwise a string kind: Text when values average three or more words
//     and at least half of them are distinct; ID when at least 20 values are
//     present, 95% or more are distinct and they average fewer than three
//     words (free text is never an ID); Categorical otherwise.
//
// Blank lines are skipped. A blank header cell becomes "column_N" (N is the
// 1-based position); a repeated name gets a suffix "_2", "_3", ... unless
// StrictHeaders is set. Both are recorded in Frame.Notes.
type ReadOptions struct {
	// Delimiter is the field separator; 0 detects ',', '\t' or ';' from the
	// first lines (ReadFile uses '\t' for .tsv and .tab files).
	Delimiter byte
	// MissingMarkers are the cell values, after trimming spaces, that mean
	// "missing". Nil means DefaultMissingMarkers; an empty non-nil slice
	// means only the empty cell.
	MissingMarkers []string
	// Kinds forces the kind of the named columns. A value that does not fit
	// the forced kind is an error naming its row and column.
	Kinds map[string]Kind
	// ReplaceInvalidUTF8 replaces bytes that are not UTF-8 with U+FFFD and
	// records it in Frame.Notes, instead of failing.
	ReplaceInvalidUTF8 bool
	// StrictHeaders turns repeated column names into an error.
	StrictHeaders bool
	// MaxRows stops after this many data rows; 0 reads all.
	MaxRows int
	// SizeHint is the input's size in bytes, when known (ReadFile sets it
	// for uncompressed files). Read uses it to size its buffers once instead
	// of growing them, which keeps peak memory near the final frame's size.
	SizeHint int64
}

// DefaultMissingMarkers returns the cell values read as missing by default:
// "", NA, N/A, n/a, na, NaN, nan, null, NULL, Null, #N/A, ?, -, --.
// "None" is not among them: data sets such as Ames use it as a real level.
func DefaultMissingMarkers() []string {
	return []string{"", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "Null", "#N/A", "?", "-", "--"}
}

// ReadFile reads a CSV or TSV file, gzip-compressed when the name ends in
// .gz; .tsv and .tab files default to tabs. Parquet is not supported.
func ReadFile(ctx context.Context, path string, opts ReadOptions) (*Frame, error) {
	name := strings.ToLower(path)
	gz := strings.HasSuffix(name, ".gz")
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".parquet", ".pq":
		return nil, fmt.Errorf("read %s: parquet is not supported; convert to CSV", filepath.Base(path))
	case ".tsv", ".tab":
		if opts.Delimiter == 0 {
			opts.Delimiter = '\t'
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !gz && opts.SizeHint == 0 {
		opts.SizeHint = st.Size()
	}
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
		}
		defer zr.Close()
		r = zr
	}
	fr, err := Read(ctx, r, opts)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	return fr, nil
}

// colBuf accumulates the raw cells of one column while reading.
type colBuf struct {
	data    []byte
	ends    []uint32 // 4 bytes a cell: a column's text is limited to 4 GiB
	missing []bool
	// quoted counts the non-missing values that were quoted.
	quoted int
}

// Read parses delimited text with a header row into a Frame in one streaming
// pass, then infers each column's kind (see ReadOptions). It checks ctx every
// few thousand rows. Malformed input gives a *ParseError naming the line, row
// and column; it never panics.
func Read(ctx context.Context, r io.Reader, opts ReadOptions) (*Frame, error) {
	rr, err := newRecordReader(r, opts.Delimiter)
	if err != nil {
		return nil, err
	}
	markers := newMarkerSet(opts.MissingMarkers)

	if err := rr.next(); err != nil {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, err
	}
	var notes []string
	names, hnotes, err := headerNames(rr, opts)
	if err != nil {
		return nil, err
	}
	notes = append(notes, hnotes...)
	var unknown []string
	for name := range opts.Kinds {
		if !slices.Contains(names, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("kinds given for columns %q, which the header lacks", unknown)
	}
	ncol := len(names)
	cols := make([]colBuf, ncol)
	replaced, unquoted, rows := 0, 0, 0
	for {
		if opts.MaxRows > 0 && rows == opts.MaxRows {
			break
		}
		err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.Row = rows + 1
				if pe.Field > 0 && pe.Field <= ncol {
					pe.Column = names[pe.Field-1]
				}
			}
			return nil, err
		}
		rows++
		if rows == sizingRows && opts.SizeHint > 0 {
			reserve(cols, rows, rr.consumed, opts.SizeHint)
		}
		if rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if len(rr.ends) != ncol {
			return nil, &ParseError{Line: rr.startLine, Row: rows,
				Err: fmt.Errorf("%d fields, header has %d: %w", len(rr.ends), ncol, ErrRagged)}
		}
		valid := utf8.Valid(rr.rec)
		for j := range cols {
			b := rr.field(j)
			if !valid && !utf8.Valid(b) {
				if !opts.ReplaceInvalidUTF8 {
					return nil, &ParseError{Line: rr.startLine, Row: rows, Field: j + 1, Column: names[j],
						Err: fmt.Errorf("byte 0x%02x at offset %d: %w", b[invalidAt(b)], invalidAt(b), ErrInvalidUTF8)}
				}
				b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
				replaced++
			}
			c := &cols[j]
			miss := false
			// markers.match, spelled out: most cells stop at the first test.
			if t := trimSpace(b); len(t) == 0 && markers.is[""] || len(t) > 0 && len(t) <= markers.max && markers.start[t[0]] && markers.is[string(t)] {
				miss = true
			} else if rr.quoted[j] {
				c.quoted++
			} else {
				unquoted++
			}
			if !miss {
				if len(c.data)+len(b) > math.MaxUint32 {
					return nil, &ParseError{Line: rr.startLine, Row: rows, Field: j + 1, Column: names[j],
						Err: errors.New("column holds more than 4 GiB of text")}
				}
				c.data = append(c.data, b...)
			}
			c.ends = append(c.ends, uint32(len(c.data)))
			c.missing = append(c.missing, miss)
		}
	}
	if rows == 0 {
		return nil, ErrNoRows
	}
	if replaced > 0 {
		notes = append(notes, fmt.Sprintf("replaced invalid UTF-8 bytes in %d cells with U+FFFD", replaced))
	}
	f := &Frame{Columns: make([]*Column, ncol), Notes: notes}
	if err := inferAll(f, names, cols, opts.Kinds, unquoted == 0); err != nil {
		return nil, err
	}
	return f, nil
}

// inferAll types every column, spreading columns over GOMAXPROCS workers.
// The first error in column order wins, so results do not depend on timing.
func inferAll(f *Frame, names []string, cols []colBuf, kinds map[string]Kind, quoteAll bool) error {
	errs := make([]error, len(cols))
	quoted := make([]int, len(cols))
	for j := range cols {
		quoted[j] = cols[j].quoted
	}
	next := make(chan int, len(cols))
	for j := range cols {
		next <- j
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cols)) {
		wg.Go(func() {
			for j := range next {
				f.Columns[j], errs[j] = inferColumn(names[j], &cols[j], kinds[names[j]], quoteAll)
				cols[j] = colBuf{} // let the raw bytes go
			}
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return err
	}
	for j, c := range f.Columns {
		if kinds[names[j]] == 0 && quoted[j] == 0 {
			if note := almostNumeric(c); note != "" {
				f.Notes = append(f.Notes, note)
			}
		}
	}
	return nil
}

// almostNumeric explains a string column in which at least 90% of the
// present values are numbers: usually a numeric column with a few stray
// entries, which the caller may want to fix or force.
func almostNumeric(c *Column) string {
	if c.Str == nil || c.Kind == Boolean {
		return ""
	}
	present, numbers, first := 0, 0, -1
	for i, s := range c.Str {
		if c.Missing[i] {
			continue
		}
		present++
		if _, ok := ParseNumber(s); ok {
			numbers++
		} else if first < 0 {
			first = i
		}
		if present == 100 && numbers < 90 {
			return "" // clearly not numeric: stop early
		}
	}
	if present == 0 || float64(numbers) < 0.9*float64(present) {
		return ""
	}
	return fmt.Sprintf("column %q: %d of %d values are numbers, but %q (row %d) and %d more are not; read as %s (set ReadOptions.Kinds or the missing markers to change that)",
		c.Name, numbers, present, c.Str[first], first+1, present-numbers-1, c.Kind)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sizingRows is the number of rows read before buffers are sized from
// SizeHint.
const sizingRows = 1000

// reserve grows every column buffer to the size the whole input will need,
// extrapolated from the first rows, plus 5%.
func reserve(cols []colBuf, rows int, consumed, size int64) {
	if consumed <= 0 || size <= consumed {
		return
	}
	scale := float64(size) / float64(consumed) * 1.05
	want := int(float64(rows) * scale)
	for j := range cols {
		c := &cols[j]
		c.data = slices.Grow(c.data, int(float64(len(c.data))*scale)-len(c.data))
		c.ends = slices.Grow(c.ends, want-len(c.ends))
		c.missing = slices.Grow(c.missing, want-len(c.missing))
	}
}

// headerNames validates the header record: blank names become column_N and
// repeated names get a numeric suffix (or fail with StrictHeaders).
func headerNames(rr *recordReader, opts ReadOptions) ([]string, []string, error) {
	n := len(rr.ends)
	names := make([]string, n)
	seen := make(map[string]bool, n)
	var notes []string
	for j := range n {
		b := rr.field(j)
		if !utf8.Valid(b) {
			if !opts.ReplaceInvalidUTF8 {
				return nil, nil, &ParseError{Line: rr.startLine, Field: j + 1, Err: fmt.Errorf("header: %w", ErrInvalidUTF8)}
			}
			b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
		}
		names[j] = strings.TrimSpace(string(b))
	}
	for j, name := range names {
		if name == "" {
			names[j] = "column_" + strconv.Itoa(j+1)
			notes = append(notes, fmt.Sprintf("header field %d is blank; named it %q", j+1, names[j]))
		}
	}
	for j, name := range names {
		if seen[name] {
			if opts.StrictHeaders {
				return nil, nil, &ParseError{Line: rr.startLine, Field: j + 1, Err: fmt.Errorf("header: %q: %w", name, ErrDuplicateHeader)}
			}
			k := 2
			for seen[name+"_"+strconv.Itoa(k)] || containsName(names[j+1:], name+"_"+strconv.Itoa(k)) {
				k++
			}
			names[j] = name + "_" + strconv.Itoa(k)
			notes = append(notes, fmt.Sprintf("column name %q repeats at field %d; renamed it %q", name, j+1, names[j]))
		}
		seen[names[j]] = true
	}
	return names, notes, nil
}

func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// trimSpace trims ASCII spaces and tabs.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// invalidAt returns the offset of the first byte that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}
