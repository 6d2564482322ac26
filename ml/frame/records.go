package frame

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// newRecordReader prepares r for reading records: a UTF-8 byte order mark
// is skipped, UTF-16 is refused, and a zero delim is detected from the
// first lines (see detectDelimiter).
func newRecordReader(r io.Reader, delim byte) (*recordReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	bom, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(bom, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(bom, []byte{0xFF, 0xFE}), bytes.HasPrefix(bom, []byte{0xFE, 0xFF}):
		return nil, &ParseError{Line: 1, Err: fmt.Errorf("the input is UTF-16 (byte order mark % X); save it as UTF-8: %w", bom[:2], ErrInvalidUTF8)}
	}
	rr := &recordReader{br: br, delim: delim}
	if rr.delim == 0 {
		head, _ := br.Peek(1 << 16)
		rr.delim = detectDelimiter(head)
	}
	if rr.delim == '"' || rr.delim == '\n' || rr.delim == '\r' {
		return nil, fmt.Errorf("invalid delimiter %q", rr.delim)
	}
	return rr, nil
}

// markerSet recognizes missing markers: a cell is missing when, with ASCII
// spaces and tabs trimmed, it equals one of them.
type markerSet struct {
	is    map[string]bool
	max   int
	start [256]bool // first bytes of markers: most cells skip the map
}

// newMarkerSet builds the set of markers (nil: DefaultMissingMarkers).
func newMarkerSet(markers []string) *markerSet {
	if markers == nil {
		markers = DefaultMissingMarkers()
	}
	m := &markerSet{is: make(map[string]bool, len(markers))}
	for _, s := range markers {
		s = strings.TrimSpace(s)
		m.is[s] = true
		m.max = max(m.max, len(s))
		if s != "" {
			m.start[s[0]] = true
		}
	}
	return m
}

// match reports whether cell b is a missing marker.
func (m *markerSet) match(b []byte) bool {
	t := trimSpace(b)
	if len(t) == 0 {
		return m.is[""]
	}
	return len(t) <= m.max && m.start[t[0]] && m.is[string(t)]
}

// Records reads delimited text with a header row one record at a time, by
// the rules of Read: a UTF-8 byte order mark is skipped and UTF-16
// refused, the delimiter is detected when not given (',', '\t' or ';'),
// quoted fields may hold delimiters, doubled quotes and line breaks, blank
// lines are skipped, blank and repeated header names are renamed (see
// Notes), and bytes that are not UTF-8 are an error unless
// ReadOptions.ReplaceInvalidUTF8 is set. A record with more or fewer fields
// than the header is a *ParseError wrapping ErrRagged. It holds only the
// current record in memory, so inputs of any size stream through it.
//
// Only Delimiter, MissingMarkers, ReplaceInvalidUTF8, StrictHeaders and
// MaxRows of ReadOptions apply; no kinds are inferred.
type Records struct {
	rr      *recordReader
	opts    ReadOptions
	markers *markerSet
	header  []string
	notes   []string
	rows    int
	closer  io.Closer
}

// NewRecords reads the header from r and returns the reader of the
// records after it. An input without a header is ErrEmpty.
func NewRecords(r io.Reader, opts ReadOptions) (*Records, error) {
	rr, err := newRecordReader(r, opts.Delimiter)
	if err != nil {
		return nil, err
	}
	if err := rr.next(); err != nil {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, err
	}
	names, notes, err := headerNames(rr, opts)
	if err != nil {
		return nil, err
	}
	return &Records{rr: rr, opts: opts, markers: newMarkerSet(opts.MissingMarkers), header: names, notes: notes}, nil
}

// OpenRecords opens the file at path as NewRecords does, like ReadFile:
// gzip-compressed when the name ends in .gz, tab-delimited by default for
// .tsv and .tab files. Close the Records when done.
func OpenRecords(path string, opts ReadOptions) (*Records, error) {
	name := strings.TrimSuffix(strings.ToLower(path), ".gz")
	gz := name != strings.ToLower(path)
	switch filepath.Ext(name) {
	case ".tsv", ".tab":
		if opts.Delimiter == 0 {
			opts.Delimiter = '\t'
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var r io.Reader = f
	var closer io.Closer = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
		}
		r, closer = zr, closers{zr, f}
	}
	rs, err := NewRecords(r, opts)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	rs.closer = closer
	return rs, nil
}

// closers closes a gzip reader, then its file.
type closers [2]io.Closer

func (c closers) Close() error {
	return errors.Join(c[0].Close(), c[1].Close())
}

// Close closes the file of OpenRecords; it does nothing for NewRecords.
func (r *Records) Close() error {
	if r.closer == nil {
		return nil
	}
	err := r.closer.Close()
	r.closer = nil
	return err
}

// Header returns the column names (cleaned as Read cleans them).
func (r *Records) Header() []string { return r.header }

// Notes says what was changed in the header (blank or repeated names).
func (r *Records) Notes() []string { return r.notes }

// Delimiter returns the field delimiter, given or detected.
func (r *Records) Delimiter() byte { return r.rr.delim }

// Row returns the 1-based data row of the record last returned by Next.
func (r *Records) Row() int { return r.rows }

// Line returns the physical line on which that record starts.
func (r *Records) Line() int { return r.rr.startLine }

// Next returns the next record's fields, one per header column, quotes
// removed; the slice and its strings are the caller's to keep. After the
// last record (or MaxRows) it returns io.EOF.
func (r *Records) Next() ([]string, error) {
	if r.opts.MaxRows > 0 && r.rows == r.opts.MaxRows {
		return nil, io.EOF
	}
	rr := r.rr
	if err := rr.next(); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			pe.Row = r.rows + 1
			if pe.Field > 0 && pe.Field <= len(r.header) {
				pe.Column = r.header[pe.Field-1]
			}
		}
		return nil, err
	}
	r.rows++
	if len(rr.ends) != len(r.header) {
		return nil, &ParseError{Line: rr.startLine, Row: r.rows,
			Err: fmt.Errorf("%d fields, header has %d: %w", len(rr.ends), len(r.header), ErrRagged)}
	}
	rec := rr.rec
	if !utf8.Valid(rec) {
		for j := range rr.ends {
			if b := rr.field(j); !utf8.Valid(b) && !r.opts.ReplaceInvalidUTF8 {
				return nil, &ParseError{Line: rr.startLine, Row: r.rows, Field: j + 1, Column: r.header[j],
					Err: fmt.Errorf("byte 0x%02x at offset %d: %w", b[invalidAt(b)], invalidAt(b), ErrInvalidUTF8)}
			}
		}
	}
	all := string(rec)
	out := make([]string, len(rr.ends))
	start := 0
	for j, end := range rr.ends {
		out[j] = all[start:end]
		start = end
	}
	if !utf8.ValidString(all) {
		for j, f := range out {
			out[j] = strings.ToValidUTF8(f, "\uFFFD")
		}
	}
	return out, nil
}

// Quoted reports whether field j of the last record was quoted.
func (r *Records) Quoted(j int) bool { return r.rr.quoted[j] }

// Missing reports whether cell is a missing marker of the reader (one of
// ReadOptions.MissingMarkers, or DefaultMissingMarkers, after trimming
// spaces and tabs), as Read decides it.
func (r *Records) Missing(cell string) bool { return r.markers.match([]byte(cell)) }
