package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// detectBytes is how much of a file's head decides its delimiter.
const detectBytes = 64 << 10

// tableStats validates and counts a delimited file as its bytes stream past (Write), keeping
// only the current record and the file's head: every row is checked (field count, UTF-8) and
// every cell's missingness counted, and the head — whole rows up to the sample size — is
// profiled in full by ml/frame and ml/profile at the end.
type tableStats struct {
	name        string
	delim       byte
	sampleBytes int

	head    []byte // the first sampleBytes bytes
	sc      *scanner
	skipped int // bytes of a UTF-8 byte order mark not fed to the scanner

	header    []string
	rows      int64
	missing   []int64
	sampleEnd int64 // bytes of head that hold whole records (header included)
	sampleRow int64 // data rows within them

	// markers lists the missing markers by length, so most cells are ruled out by their length.
	markers [][]string
}

// newTableStats returns a consumer for the file called name; delim 0 detects it.
func newTableStats(name string, delim byte, sampleBytes int) *tableStats {
	t := &tableStats{name: name, delim: delim, sampleBytes: max(sampleBytes, detectBytes)}
	for _, m := range frame.DefaultMissingMarkers() {
		for len(t.markers) <= len(m) {
			t.markers = append(t.markers, nil)
		}
		t.markers[len(m)] = append(t.markers[len(m)], m)
	}
	return t
}

// Write consumes the next bytes of the file.
func (t *tableStats) Write(p []byte) (int, error) {
	n, kept := len(p), 0
	if room := t.sampleBytes - len(t.head); room > 0 {
		kept = min(room, len(p))
		t.head = append(t.head, p[:kept]...)
	}
	if t.sc == nil {
		if len(t.head) < detectBytes {
			return len(p), nil // all of p is in head; the scanner gets it once it exists
		}
		if err := t.start(); err != nil { // feeds head, which ends with p[:kept]
			return 0, err
		}
		p = p[kept:]
	}
	if _, err := t.sc.Write(p); err != nil {
		return 0, t.describe(err)
	}
	return n, nil
}

// start creates the scanner once the head is long enough to detect the delimiter, and feeds it
// what was read so far (all of it is in head).
func (t *tableStats) start() error {
	body := t.head
	if bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		body, t.skipped = body[3:], 3
	}
	if t.delim == 0 {
		t.delim = detectDelimiter(body[:min(len(body), detectBytes)])
	}
	t.sc = newScanner(t.delim, t.onRecord)
	if _, err := t.sc.Write(body); err != nil {
		return t.describe(err)
	}
	return nil
}

// Close ends the file and checks that it holds a header and at least one row.
func (t *tableStats) Close() error {
	if t.sc == nil {
		if len(t.head) == 0 {
			return invalid(ReasonEmpty, "file %q is empty: upload a CSV with a header row and at least one data row", t.name)
		}
		if err := t.start(); err != nil {
			return err
		}
	}
	if err := t.sc.Close(); err != nil {
		return t.describe(err)
	}
	if t.header == nil {
		return invalid(ReasonEmpty, "file %q holds no header row: upload a CSV whose first line names the columns", t.name)
	}
	if t.rows == 0 {
		return invalid(ReasonNoRows, "file %q has a header but no data rows: add at least one row below the header", t.name)
	}
	return nil
}

// onRecord checks and counts one record.
func (t *tableStats) onRecord(r *record) error {
	if t.header == nil {
		t.header = make([]string, r.n())
		for j := range t.header {
			f := r.field(j)
			if !utf8.Valid(f) {
				return invalid(ReasonNotUTF8, "file %q: the header (field %d) is not valid UTF-8: save the file as UTF-8 (in Excel: \"CSV UTF-8\") and upload it again", t.name, j+1)
			}
			t.header[j] = strings.TrimSpace(string(f))
			if t.header[j] == "" {
				t.header[j] = fmt.Sprintf("column_%d", j+1)
			}
		}
		t.missing = make([]int64, r.n())
		t.noteSample()
		return nil
	}
	t.rows++
	if r.n() != len(t.header) {
		return invalid(ReasonRagged, "file %q: line %d (row %d) has %d fields but the header has %d: quote values that contain the delimiter %s, or fix that row", t.name, r.line, t.rows, r.n(), len(t.header), delimName(t.delim))
	}
	valid := utf8.Valid(r.buf) // one pass for the record; fields are checked only when it fails
	for j := range t.header {
		f := r.field(j)
		if !valid && !utf8.Valid(f) {
			at := invalidAt(f)
			return invalid(ReasonNotUTF8, "file %q: line %d (row %d), column %q holds byte 0x%02x, which is not UTF-8: save the file as UTF-8 (in Excel: \"CSV UTF-8\") and upload it again", t.name, r.line, t.rows, t.header[j], f[at])
		}
		if t.isMissing(f) {
			t.missing[j]++
		}
	}
	t.noteSample()
	return nil
}

// noteSample extends the profiled sample while whole records fit in head. Called as a record
// is delivered, when the scanner has consumed its last byte; Write puts bytes in head before
// the scanner sees them, and record ends only grow, so the sample is a prefix of whole records.
func (t *tableStats) noteSample() {
	if end := t.sc.offset + int64(t.skipped); end <= int64(t.sampleBytes) {
		t.sampleEnd, t.sampleRow = end, t.rows
	}
}

// sample returns the whole-record head of the file and the data rows in it.
func (t *tableStats) sample() ([]byte, int64) { return t.head[:t.sampleEnd], t.sampleRow }

// describe turns a scanner error into a message that names the place and what to do.
func (t *tableStats) describe(err error) error {
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	var pe *frame.ParseError
	if errors.As(err, &pe) {
		where := fmt.Sprintf("line %d", pe.Line)
		if pe.Field > 0 {
			where += fmt.Sprintf(", field %d", pe.Field)
			if pe.Field <= len(t.header) {
				where += fmt.Sprintf(" (column %q)", t.header[pe.Field-1])
			}
		}
		msg := pe.Err.Error()
		hint := "close every quoted value, and write a quote inside a quoted value as two quotes (\"\")"
		if strings.Contains(msg, "longer than") {
			hint = "upload the data as CSV or TSV text"
		}
		return invalid(ReasonMalformed, "file %q: %s: %s: %s", t.name, where, strings.TrimSuffix(msg, ": malformed quoted field"), hint)
	}
	return err
}

// delimName names a delimiter for messages.
func delimName(d byte) string {
	switch d {
	case '\t':
		return "(tab)"
	case ',':
		return "(,)"
	}
	return fmt.Sprintf("(%c)", d)
}

// invalidAt returns the offset of the first byte of b that is not valid UTF-8.
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

// profileOf profiles the sampled head with ml/frame and ml/profile and completes it with the
// exact counts of the whole file.
func (t *tableStats) profileOf(ctx context.Context) (*FileProfile, error) {
	fp := &FileProfile{Name: t.name, Format: FormatCSV, Delimiter: string(t.delim), Header: t.header, Rows: t.rows}
	head, rows := t.sample()
	fp.ProfiledRows = rows
	if rows > 0 {
		fr, err := frame.Read(ctx, bytes.NewReader(head), frame.ReadOptions{Delimiter: t.delim})
		if err != nil {
			var pe *frame.ParseError
			if errors.As(err, &pe) || errors.Is(err, frame.ErrNoRows) || errors.Is(err, frame.ErrEmpty) {
				return nil, t.describe(err)
			}
			return nil, fmt.Errorf("read head of %q: %w", t.name, err)
		}
		p, err := profile.Compute(ctx, fr, profile.Options{})
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", t.name, err)
		}
		fp.Columns, fp.Flags, fp.DuplicateRows, fp.Notes = p.Columns, p.Flags, p.DuplicateRows, fr.Notes
	} else {
		fp.Columns = make([]profile.Column, len(t.header))
		for j, name := range t.header {
			fp.Columns[j] = profile.Column{Name: name, Top: []profile.ValueCount{}, Examples: []string{}}
		}
	}
	for j := range fp.Columns {
		if j >= len(t.missing) {
			break
		}
		c := &fp.Columns[j]
		c.Rows, c.Missing = int(t.rows), int(t.missing[j])
		c.MissingRatio = float64(t.missing[j]) / float64(t.rows)
	}
	return fp, nil
}

// isMissing reports whether a cell, trimmed of spaces, is a missing marker (as ml/frame reads
// it).
func (t *tableStats) isMissing(cell []byte) bool {
	tr := trimSpace(cell)
	if len(tr) >= len(t.markers) {
		return false
	}
	for _, m := range t.markers[len(tr)] {
		if string(tr) == m {
			return true
		}
	}
	return false
}

// trimSpace trims ASCII spaces and tabs, as ml/frame does before matching missing markers.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
