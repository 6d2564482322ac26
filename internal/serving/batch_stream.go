package serving

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// readBlock is how many bytes the cutter reads at a time.
const readBlock = 4 << 20

// span is where one record lies in its chunk's bytes, without its line break and trailing CR.
type span struct{ start, end int }

// chunk is up to a Batcher's chunk size of consecutive input records: their raw bytes, their
// text once cut into records, and the output lines once predicted. A stream reuses a fixed set
// of chunks, so their buffers are allocated once per job.
type chunk struct {
	raw   []byte // whole records as read, blank lines included
	line  int    // how many line breaks the input had before raw
	rows  int    // how many records raw has
	text  string // raw viewed as a string (see parse): lines are its substrings
	spans []span
	lines []string // every record's text, without its line break and trailing CR
	cells []string // a short or long record's fields, split when it is written
	out   []byte
	err   error
	ready chan struct{} // closed when out (or err) is set
}

// stream reads the CSV in, predicts it and writes the output CSV to out, counting the rows
// written in rows. One goroutine cuts the input into chunks of whole records (a record ends
// at a line break outside quotes) without parsing them; workers on every core parse, predict
// and format chunks; this goroutine writes their outputs in input order and hands the chunks
// back for reuse, so that a fixed number of chunks is in flight. An output line repeats the
// record's bytes as they came when it has the header's number of fields.
func (b *Batcher) stream(ctx context.Context, p *model.Predictor, in io.Reader, out io.Writer, rows *atomic.Int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cut := &cutter{r: in, buf: make([]byte, 0, readBlock)}
	hdrRaw, err := cut.record()
	if err == io.EOF {
		return errors.New("the input is empty: want a CSV with a header row")
	}
	if err != nil {
		return fmt.Errorf("read input header: %w", err)
	}
	hdr := strings.TrimSuffix(strings.TrimPrefix(string(hdrRaw), "\ufeff"), "\r")
	header, err := frame.AppendFields(nil, hdr)
	if err != nil {
		return fmt.Errorf("read input header: %w", err)
	}
	rec, err := p.Bind(header)
	if err != nil {
		return fmt.Errorf("the input does not fit the model: %w", err)
	}
	n := b.chunkRows
	if n <= 0 {
		n = BatchChunk
	}
	workers := runtime.GOMAXPROCS(0)
	inflight := 2*workers + 2
	free := make(chan *chunk, inflight)
	for range inflight {
		free <- &chunk{}
	}
	todo := make(chan *chunk, inflight)
	order := make(chan *chunk, inflight)
	var cutErr error
	go func() {
		defer close(todo)
		defer close(order)
		for {
			var ch *chunk
			select {
			case ch = <-free:
			case <-ctx.Done():
				return
			}
			more, err := cut.chunk(ch, n)
			if err != nil {
				cutErr = err
				return
			}
			if !more {
				return
			}
			ch.ready, ch.err = make(chan struct{}), nil
			order <- ch // never blocks: at most inflight chunks exist
			todo <- ch
		}
	}()
	for range workers {
		go func() {
			for ch := range todo {
				ch.err = ch.process(ctx, rec, p, len(header))
				close(ch.ready)
			}
		}()
	}
	head := appendHeader(nil, header, p)
	_, werr := out.Write(head)
	var failed error
	for ch := range order {
		<-ch.ready
		switch {
		case failed != nil || werr != nil:
			// drain
		case ch.err != nil:
			failed = ch.err
			cancel()
		default:
			if _, werr = out.Write(ch.out); werr != nil {
				cancel()
				break
			}
			rows.Add(int64(len(ch.lines)))
		}
		free <- ch
	}
	switch {
	case failed != nil:
		return failed
	case werr != nil:
		return fmt.Errorf("write output: %w", werr)
	case cutErr != nil:
		return cutErr
	}
	return ctx.Err()
}

// process cuts the chunk into records, predicts them from their text
// (model.Record.PredictLines, which reads the cells of records without quotes or with plain
// ones in place) and formats the output lines. A record that is not valid CSV fails the chunk
// with its input line.
func (ch *chunk) process(ctx context.Context, rec *model.Record, p *model.Predictor, width int) error {
	ch.parse()
	bt, err := rec.PredictLines(ctx, ch.lines)
	var re model.RowError
	if errors.As(err, &re) {
		return fmt.Errorf("read input near line %d: %w", ch.inputLine(re.Row), re.Err)
	}
	if err != nil {
		return err
	}
	ch.out = ch.appendOutput(ch.out[:0], p, bt, width)
	return nil
}

// parse cuts the chunk into records, skipping blank lines as encoding/csv does.
//
// The records view raw's bytes without a copy: raw is only refilled once the chunk is back on
// the free list, after its output is written, and nothing keeps a record past that (errors
// quote cells by copy). A copy per chunk would allocate the whole input again.
func (ch *chunk) parse() {
	ch.text = unsafe.String(unsafe.SliceData(ch.raw), len(ch.raw))
	ch.spans, ch.lines = ch.spans[:0], ch.lines[:0]
	for pos := 0; pos < len(ch.raw); {
		end, next, _ := recordEnd(ch.raw, pos)
		if rec := strings.TrimSuffix(ch.text[pos:end], "\r"); rec != "" {
			ch.spans = append(ch.spans, span{pos, pos + len(rec)})
			ch.lines = append(ch.lines, rec)
		}
		pos = next
	}
}

// inputLine returns the input line on which record i starts, counting the line breaks of
// blank lines and quoted fields before it.
func (ch *chunk) inputLine(i int) int {
	return ch.line + 1 + strings.Count(ch.text[:ch.spans[i].start], "\n")
}

// recordEnd finds the end of the record starting at b[from]: the index of the line break that
// ends it (outside quotes: a doubled quote inside a quoted field toggles twice) and the start
// of the next record. ok is false when b ends before the record does (end and next are then
// len(b)).
func recordEnd(b []byte, from int) (end, next int, ok bool) {
	quotes := 0
	for i := from; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return len(b), len(b), false
		}
		quotes += bytes.Count(b[i:i+j], []byte{'"'})
		if quotes%2 == 0 {
			return i + j, i + j + 1, true
		}
		i += j + 1
	}
}

// isBlank reports whether a record is an empty line.
func isBlank(rec []byte) bool {
	return len(rec) == 0 || len(rec) == 1 && rec[0] == '\r'
}

// cutter cuts the input into chunks of whole records without parsing them.
type cutter struct {
	r    io.Reader
	buf  []byte
	pos  int // start of the next record in buf
	line int // how many line breaks the input had before buf[pos]
	eof  bool
}

// next returns the end of the record at pos and the start of the next, or ok false when
// more input is needed.
func (c *cutter) next() (end, next int, ok bool) {
	end, next, ok = recordEnd(c.buf, c.pos)
	if !ok && c.eof && c.pos < len(c.buf) {
		return len(c.buf), len(c.buf), true
	}
	return end, next, ok
}

// record returns the next non-blank record (without its line break), or io.EOF.
func (c *cutter) record() ([]byte, error) {
	for {
		if end, next, ok := c.next(); ok {
			rec := c.buf[c.pos:end]
			c.line += bytes.Count(c.buf[c.pos:next], []byte{'\n'})
			c.pos = next
			if isBlank(rec) {
				continue
			}
			return rec, nil
		}
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
}

// chunk copies the next records, up to n that are not blank, into ch.raw; it returns false at
// the end of the input.
func (c *cutter) chunk(ch *chunk, n int) (bool, error) {
	ch.raw, ch.line = ch.raw[:0], c.line
	start, count := c.pos, 0
	for count < n {
		end, next, ok := c.next()
		if !ok {
			ch.raw = append(ch.raw, c.buf[start:c.pos]...)
			err := c.fill()
			start = c.pos
			if err == io.EOF {
				break
			}
			if err != nil {
				return false, err
			}
			continue
		}
		if !isBlank(c.buf[c.pos:end]) {
			count++
		}
		c.pos = next
	}
	if start < c.pos {
		ch.raw = append(ch.raw, c.buf[start:c.pos]...)
	}
	c.line += bytes.Count(ch.raw, []byte{'\n'})
	ch.rows = count
	return count > 0, nil
}

// fill reads more input (one Read), keeping the unfinished record; io.EOF once all is
// consumed.
func (c *cutter) fill() error {
	if c.eof {
		return io.EOF
	}
	if c.pos > 0 {
		n := copy(c.buf, c.buf[c.pos:])
		c.buf, c.pos = c.buf[:n], 0
	}
	if cap(c.buf)-len(c.buf) < readBlock/2 {
		nb := make([]byte, len(c.buf), 2*cap(c.buf)+readBlock)
		copy(nb, c.buf)
		c.buf = nb
	}
	n, err := c.r.Read(c.buf[len(c.buf):cap(c.buf)])
	c.buf = c.buf[:len(c.buf)+n]
	if err == io.EOF {
		c.eof = true
		return nil
	}
	return err
}

// appendHeader appends the output's header line.
func appendHeader(line []byte, header []string, p *model.Predictor) []byte {
	for _, h := range header {
		line = appendField(line, h)
		line = append(line, ',')
	}
	line = append(line, "prediction"...)
	for _, c := range p.Classes() {
		line = append(line, ',')
		line = appendField(line, "probability_"+c)
	}
	return append(line, ",error\n"...)
}

// appendOutput appends the output lines of the predicted chunk: the record as it came (or its
// fields padded to the header's width when it had another number), the prediction, the
// probabilities and the error. bt.Errors is in row order.
func (ch *chunk) appendOutput(out []byte, p *model.Predictor, bt *model.Batch, width int) []byte {
	// The labels as fields, quoted when they need to be once per chunk rather than per row.
	labels := make([]string, len(p.Classes()))
	for c, l := range p.Classes() {
		labels[c] = string(appendField(nil, l))
	}
	k := len(labels)
	errs := bt.Errors
	for i, sp := range ch.spans {
		if r, ok := ch.ragged(i, width); ok {
			for j := range width {
				if j < len(r) {
					out = appendField(out, r[j])
				}
				out = append(out, ',')
			}
		} else {
			out = append(out, ch.raw[sp.start:sp.end]...)
			out = append(out, ',')
		}
		failed := len(errs) > 0 && errs[0].Row == i
		switch {
		case failed:
			for range k {
				out = append(out, ',')
			}
		case k == 0:
			out = appendFloat(out, bt.Values[i], 64)
		default:
			out = append(out, labels[bt.Class[i]]...)
			for c := range k {
				out = append(out, ',')
				out = appendFloat(out, bt.Probabilities[i*k+c], 32)
			}
		}
		out = append(out, ',')
		if failed {
			out = appendField(out, errs[0].Err.Error())
			errs = errs[1:]
		}
		out = append(out, '\n')
	}
	return out
}

// ragged returns the fields of record i when it does not have width of them. The commas of a
// record without quotes or with plain ones (see frame.PlainQuotes) count its fields; the others
// are read again, which cannot fail once PredictLines has read them.
func (ch *chunk) ragged(i, width int) ([]string, bool) {
	line := ch.lines[i]
	if frame.PlainQuotes(line) && strings.Count(line, ",") == width-1 {
		return nil, false
	}
	ch.cells, _ = frame.AppendFields(ch.cells[:0], line)
	return ch.cells, len(ch.cells) != width
}

// appendFloat writes a number in its shortest form at the given precision.
func appendFloat(b []byte, v float64, bits int) []byte {
	if math.IsNaN(v) {
		return b
	}
	return strconv.AppendFloat(b, v, 'g', -1, bits)
}

// appendField writes one CSV field, quoted when it needs to be.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
