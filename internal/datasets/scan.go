package datasets

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/ml/frame"
)

// maxRecordBytes bounds one CSV record: a "row" longer than this is almost certainly a binary
// file or a quote that is never closed, and holding it would defeat streaming.
const maxRecordBytes = 16 << 20

// errStop ends a scan early without an error (a preview has its rows).
var errStop = errors.New("stop scanning")

// record is one CSV record as the scanner saw it.
type record struct {
	// line is the 1-based physical line on which the record starts.
	line int
	// buf holds the unquoted field bytes; field i is buf[ends[i-1]:ends[i]].
	buf    []byte
	ends   []int
	quoted []bool
}

// n returns the number of fields.
func (r *record) n() int { return len(r.ends) }

// field returns the bytes of field i.
func (r *record) field(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

// scanner states.
const (
	stFieldStart = iota // at the start of a field (the record's first, or after a delimiter)
	stUnquoted          // inside an unquoted field
	stQuoted            // inside a quoted field
	stQuote             // just read a quote inside a quoted field (closing or doubled)
	stAfterQuote        // after a closing quote, before the delimiter or line end
)

// scanner splits delimited text into records as bytes are pushed into it (Write), with the
// rules of ml/frame's reader: a quote opens a quoted field only at the start of a field,
// doubled quotes inside it are a literal quote, quoted fields may span lines, spaces between a
// closing quote and the delimiter are allowed, "\r\n" ends a line like "\n", blank lines are
// skipped. It never holds more than one record.
type scanner struct {
	delim    byte
	onRecord func(*record) error

	st     int
	rec    record
	line   int   // the physical line being read, 1-based
	offset int64 // bytes consumed so far
	recEnd int64 // offset just past the last record delivered
	rawLen int   // raw bytes of the current record
	err    error
}

// newScanner returns a scanner that calls onRecord for every record. onRecord may return
// errStop to end the scan quietly.
func newScanner(delim byte, onRecord func(*record) error) *scanner {
	return &scanner{delim: delim, onRecord: onRecord, line: 1, rec: record{line: 1}}
}

// Write consumes p. After an error every call returns it again.
func (s *scanner) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	for i := 0; i < len(p); {
		if s.st == stUnquoted {
			// Fast path: copy the rest of an unquoted field in one go.
			j := i
			for j < len(p) && p[j] != s.delim && p[j] != '\n' {
				j++
			}
			if run := min(j-i, maxRecordBytes-s.rawLen); run > 0 {
				s.rec.buf = append(s.rec.buf, p[i:i+run]...)
				s.offset += int64(run)
				s.rawLen += run
				i += run
				continue
			}
			// No room left: step reports the overflow.
		}
		if err := s.step(p[i]); err != nil {
			s.err = err
			return i, err
		}
		i++
	}
	return len(p), nil
}

// stopped reports whether onRecord ended the scan with errStop.
func (s *scanner) stopped() bool { return s.err == errStop }

// Close ends the input: a last record without a line break is delivered, a quoted field that
// was never closed is an error.
func (s *scanner) Close() error {
	if s.err != nil {
		if s.err == errStop {
			return nil
		}
		return s.err
	}
	switch s.st {
	case stQuoted:
		return &frame.ParseError{Line: s.rec.line, Field: s.rec.n() + 1,
			Err: errors.New("quoted field is never closed: malformed quoted field")}
	case stFieldStart:
		if s.rec.n() == 0 {
			return nil
		}
		s.endField(false) // the input ended right after a delimiter
	case stUnquoted:
		s.endField(false)
	case stQuote:
		s.endField(true)
	}
	if err := s.endRecord(); err != nil && err != errStop {
		return err
	}
	return nil
}

// step consumes one byte.
func (s *scanner) step(c byte) error {
	s.offset++
	s.rawLen++
	if s.rawLen > maxRecordBytes {
		return &frame.ParseError{Line: s.rec.line,
			Err: fmt.Errorf("a row longer than %d MiB: this does not look like delimited text", maxRecordBytes>>20)}
	}
	switch s.st {
	case stFieldStart:
		if c == '"' {
			s.st = stQuoted
			return nil
		}
		s.st = stUnquoted
		return s.unquoted(c)
	case stUnquoted:
		return s.unquoted(c)
	case stQuoted:
		if c == '"' {
			s.st = stQuote
			return nil
		}
		if c == '\n' {
			s.line++
		}
		s.rec.buf = append(s.rec.buf, c)
		return nil
	case stQuote:
		if c == '"' {
			s.rec.buf = append(s.rec.buf, '"')
			s.st = stQuoted
			return nil
		}
		s.endField(true)
		s.st = stAfterQuote
		return s.afterQuote(c)
	default: // stAfterQuote
		return s.afterQuote(c)
	}
}

// unquoted consumes a byte of an unquoted field.
func (s *scanner) unquoted(c byte) error {
	switch c {
	case s.delim:
		s.endField(false)
		s.st = stFieldStart
	case '\n':
		// A "\r" before the line break belongs to the line ending.
		start := 0
		if n := s.rec.n(); n > 0 {
			start = s.rec.ends[n-1]
		}
		if n := len(s.rec.buf); n > start && s.rec.buf[n-1] == '\r' {
			s.rec.buf = s.rec.buf[:n-1]
		}
		s.endField(false)
		return s.endLine()
	default:
		s.rec.buf = append(s.rec.buf, c)
	}
	return nil
}

// afterQuote consumes a byte between a closing quote and the next delimiter or line end.
func (s *scanner) afterQuote(c byte) error {
	switch c {
	case ' ', '\r':
	case s.delim:
		s.st = stFieldStart
	case '\n':
		return s.endLine()
	default:
		return &frame.ParseError{Line: s.line, Field: s.rec.n(),
			Err: errors.New("unexpected character after closing quote: malformed quoted field")}
	}
	return nil
}

// endField closes the current field.
func (s *scanner) endField(quoted bool) {
	s.rec.ends = append(s.rec.ends, len(s.rec.buf))
	s.rec.quoted = append(s.rec.quoted, quoted)
}

// endLine ends the record at a line break.
func (s *scanner) endLine() error {
	err := s.endRecord()
	s.line++
	s.rec.line = s.line
	return err
}

// endRecord delivers the record (unless it is a blank line) and starts the next one.
func (s *scanner) endRecord() error {
	blank := s.rec.n() == 1 && !s.rec.quoted[0] && s.rec.ends[0] == 0
	var err error
	if !blank {
		err = s.onRecord(&s.rec)
		s.recEnd = s.offset
	}
	s.rec.buf, s.rec.ends, s.rec.quoted = s.rec.buf[:0], s.rec.ends[:0], s.rec.quoted[:0]
	s.rawLen = 0
	s.st = stFieldStart
	return err
}

// detectDelimiter picks ',', '\t' or ';' from the head of a file the way ml/frame does: the
// candidate that splits the first lines into the same, largest number of fields.
func detectDelimiter(head []byte) byte {
	var lines [][]byte
	for len(head) > 0 && len(lines) < 8 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			if len(lines) == 0 {
				lines = append(lines, head)
			}
			break
		}
		if i > 0 {
			lines = append(lines, head[:i])
		}
		head = head[i+1:]
	}
	best, bestScore := byte(','), 0
	for _, d := range []byte{',', '\t', ';'} {
		first, consistent := -1, true
		for _, l := range lines {
			n, inQuote := 0, false
			for _, b := range l {
				switch {
				case b == '"':
					inQuote = !inQuote
				case b == d && !inQuote:
					n++
				}
			}
			if first < 0 {
				first = n
			} else if n != first {
				consistent = false
			}
		}
		score := first
		if !consistent {
			score = first / 4
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}
