package frame

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// recordReader splits delimited text into records, one at a time. Quoted
// fields may hold delimiters, doubled quotes and line breaks. A quote inside
// an unquoted field is kept as a literal character.
type recordReader struct {
	br    *bufio.Reader
	delim byte
	// line counts the physical lines consumed so far; startLine is the line
	// on which the current record began.
	line, startLine int
	// rec holds the unquoted bytes of the current record's fields; field i
	// is rec[ends[i-1]:ends[i]], and quoted[i] says whether it was quoted.
	rec     []byte
	ends    []int
	quoted  []bool
	longBuf []byte
	// consumed counts the bytes of the lines read so far.
	consumed int64
}

// readLine returns the next physical line with its line break, or io.EOF.
// The slice is valid until the next call.
func (r *recordReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.longBuf = append(r.longBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.longBuf = append(r.longBuf, line...)
		}
		line = r.longBuf
	}
	if len(line) > 0 {
		r.line++
		r.consumed += int64(len(line))
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

// contentLen is the length of line without its trailing "\n" or "\r\n".
func contentLen(line []byte) int {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	return n
}

// next reads the next non-blank record. It returns io.EOF after the last one.
// Errors about malformed quotes come back as *ParseError with the line set.
func (r *recordReader) next() error {
	r.rec, r.ends, r.quoted = r.rec[:0], r.ends[:0], r.quoted[:0]
	var line []byte
	for {
		l, err := r.readLine()
		if err != nil {
			return err
		}
		if contentLen(l) > 0 {
			line = l
			break
		}
	}
	r.startLine = r.line
	pos, end := 0, contentLen(line)
	for {
		if pos < end && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					// The quoted field runs on past this line.
					r.rec = append(r.rec, line[pos:]...)
					l, err := r.readLine()
					if err == io.EOF {
						return &ParseError{Line: r.startLine, Field: len(r.ends) + 1, Err: fmt.Errorf("quoted field is never closed: %w", ErrQuote)}
					}
					if err != nil {
						return err
					}
					line, pos, end = l, 0, contentLen(l)
					continue
				}
				r.rec = append(r.rec, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					r.rec = append(r.rec, '"')
					pos++
					continue
				}
				break
			}
			r.ends = append(r.ends, len(r.rec))
			r.quoted = append(r.quoted, true)
			// Tolerate spaces between the closing quote and the delimiter.
			for pos < end && line[pos] == ' ' {
				pos++
			}
			if pos >= end {
				return nil
			}
			if line[pos] != r.delim {
				return &ParseError{Line: r.line, Field: len(r.ends), Err: fmt.Errorf("unexpected character after a closing quote: %w", ErrQuote)}
			}
			pos++
			if pos == end {
				// A delimiter at the end of the line opens an empty last field.
				r.ends = append(r.ends, len(r.rec))
				r.quoted = append(r.quoted, false)
				return nil
			}
			continue
		}
		i := bytes.IndexByte(line[pos:end], r.delim)
		if i < 0 {
			r.rec = append(r.rec, line[pos:end]...)
			r.ends = append(r.ends, len(r.rec))
			r.quoted = append(r.quoted, false)
			return nil
		}
		r.rec = append(r.rec, line[pos:pos+i]...)
		r.ends = append(r.ends, len(r.rec))
		r.quoted = append(r.quoted, false)
		pos += i + 1
		if pos == end {
			r.ends = append(r.ends, len(r.rec))
			r.quoted = append(r.quoted, false)
			return nil
		}
	}
}

// field returns the bytes of field i of the current record.
func (r *recordReader) field(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.rec[start:r.ends[i]]
}

// detectDelimiter picks ',', '\t' or ';' from the first lines of the input:
// the candidate that splits every sampled line into the same number of
// fields, and the most fields, wins; comma on a tie or when none splits.
func detectDelimiter(head []byte) byte {
	lines := make([][]byte, 0, 8)
	for len(head) > 0 && len(lines) < 8 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			// A partial last line is only used when it is the only one.
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
			n := countOutsideQuotes(l, d)
			if first < 0 {
				first = n
			} else if n != first {
				consistent = false
			}
		}
		score := first
		if !consistent {
			score = first / 4 // still usable: quoted line breaks upset the count
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// countOutsideQuotes counts d in line, skipping quoted stretches.
func countOutsideQuotes(line []byte, d byte) int {
	n, inQuote := 0, false
	for _, b := range line {
		switch {
		case b == '"':
			inQuote = !inQuote
		case b == d && !inQuote:
			n++
		}
	}
	return n
}
