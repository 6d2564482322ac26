package serving

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/trainyard/trainyard/ml/model"
)

// readBlock is how many bytes the splitter reads at a time.
const readBlock = 4 << 20

// chunk is up to BatchChunk consecutive input records: their raw bytes, their fields once
// parsed, and the output lines once predicted.
type chunk struct {
	raw   []byte // the records, each ending at ends[i]
	ends  []int
	line  int // the input line of the first record
	recs  [][]string
	out   []byte
	err   error
	ready chan struct{} // closed when out (or err) is set
}

// stream reads the CSV in, predicts it and writes the output CSV to out, counting the rows
// written in rows. One goroutine splits the input into chunks of whole records (a record ends
// at a line break outside quotes), workers on every core parse, predict and format chunks, and
// this goroutine writes their outputs in input order. Each input record is parsed once; an
// output line repeats the record's bytes as they came when it has the header's number of
// fields.
func (b *Batcher) stream(ctx context.Context, p *model.Predictor, in io.Reader, out io.Writer, rows *atomic.Int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sp := &splitter{r: in, buf: make([]byte, 0, readBlock)}
	hdrRaw, _, err := sp.record()
	if err == io.EOF {
		return errors.New("the input is empty: want a CSV with a header row")
	}
	if err != nil {
		return fmt.Errorf("read input header: %w", err)
	}
	header, err := parseRecord(bytes.TrimPrefix(hdrRaw, []byte("\ufeff")))
	if err != nil {
		return fmt.Errorf("read input header: %w", err)
	}
	rec, err := p.Bind(header)
	if err != nil {
		return fmt.Errorf("the input does not fit the model: %w", err)
	}
	workers := runtime.GOMAXPROCS(0)
	todo := make(chan *chunk, workers)
	order := make(chan *chunk, workers+1)
	var splitErr error
	go func() {
		defer close(todo)
		defer close(order)
		for ctx.Err() == nil {
			ch, err := sp.chunk(BatchChunk)
			if err != nil {
				splitErr = err
				return
			}
			if ch == nil {
				return
			}
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
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
		if failed != nil || werr != nil {
			continue // drain
		}
		if ch.err != nil {
			failed = ch.err
			cancel()
			continue
		}
		if _, werr = out.Write(ch.out); werr != nil {
			cancel()
			continue
		}
		rows.Add(int64(len(ch.ends)))
	}
	switch {
	case failed != nil:
		return failed
	case werr != nil:
		return fmt.Errorf("write output: %w", werr)
	case splitErr != nil:
		return splitErr
	}
	return ctx.Err()
}

// process parses the chunk's records, predicts them and formats the output lines.
func (ch *chunk) process(ctx context.Context, rec *model.Record, p *model.Predictor, width int) error {
	ch.recs = make([][]string, len(ch.ends))
	start := 0
	for i, end := range ch.ends {
		fields, err := parseRecord(ch.raw[start:end])
		if err != nil {
			return fmt.Errorf("read input near line %d: %w", ch.line+i, err)
		}
		ch.recs[i] = fields
		start = end
	}
	bt, err := rec.PredictBatch(ctx, ch.recs)
	if err != nil {
		return err
	}
	ch.out = appendChunk(make([]byte, 0, len(ch.raw)+len(ch.ends)*48), p, ch, bt, width)
	return nil
}

// parseRecord splits one record into its fields; records with quotes go through
// encoding/csv, the others are split at commas.
func parseRecord(raw []byte) ([]string, error) {
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	if bytes.IndexByte(raw, '"') < 0 {
		all := string(raw)
		out := make([]string, 0, bytes.Count(raw, []byte(","))+1)
		for {
			i := strings.IndexByte(all, ',')
			if i < 0 {
				return append(out, all), nil
			}
			out, all = append(out, all[:i]), all[i+1:]
		}
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	return cr.Read()
}

// splitter cuts the input into records: a record ends at a line break outside quotes (a
// doubled quote inside a quoted field toggles twice), and blank lines are skipped, as
// encoding/csv does.
type splitter struct {
	r    io.Reader
	buf  []byte
	pos  int // start of the next record in buf
	line int // input line of buf[pos]
	eof  bool
}

// record returns the next record (without its line break), its line, or io.EOF.
func (s *splitter) record() ([]byte, int, error) {
	for {
		if end, next, ok := s.scan(s.pos); ok {
			rec, line := s.buf[s.pos:end], s.line+1
			s.line += bytes.Count(s.buf[s.pos:next], []byte("\n"))
			s.pos = next
			if len(bytes.TrimSuffix(rec, []byte("\r"))) == 0 {
				continue
			}
			return rec, line, nil
		}
		if err := s.fill(); err != nil {
			return nil, 0, err
		}
	}
}

// chunk returns up to n records as one chunk (nil at the end of the input).
func (s *splitter) chunk(n int) (*chunk, error) {
	ch := &chunk{ready: make(chan struct{}), ends: make([]int, 0, n)}
	var raw []byte
	for len(ch.ends) < n {
		rec, line, err := s.record()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(ch.ends) == 0 {
			ch.line = line
			raw = make([]byte, 0, len(rec)*n+len(rec))
		}
		raw = append(raw, rec...)
		ch.ends = append(ch.ends, len(raw))
	}
	if len(ch.ends) == 0 {
		return nil, nil
	}
	ch.raw = raw
	return ch, nil
}

// scan looks for the end of the record starting at from: the index of its line break (or of
// the end of the input) and of the next record.
func (s *splitter) scan(from int) (end, next int, ok bool) {
	quoted := false
	b := s.buf
	for i := from; i < len(b); i++ {
		switch b[i] {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return i, i + 1, true
			}
		}
	}
	if s.eof && from < len(b) {
		return len(b), len(b), true
	}
	return 0, 0, false
}

// fill reads more input (one Read), keeping the unfinished record; io.EOF once all is
// consumed.
func (s *splitter) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:])
		s.buf, s.pos = s.buf[:n], 0
	}
	if cap(s.buf)-len(s.buf) < readBlock/2 {
		nb := make([]byte, len(s.buf), 2*cap(s.buf)+readBlock)
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
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

// appendChunk appends the output lines of a predicted chunk: the record as it came (or its
// fields padded to the header's width when it had another number), the prediction, the
// probabilities and the error.
func appendChunk(out []byte, p *model.Predictor, ch *chunk, bt *model.Batch, width int) []byte {
	errs := map[int]string{}
	for _, e := range bt.Errors {
		errs[e.Row] = e.Err.Error()
	}
	classes := p.Classes()
	k := len(classes)
	start := 0
	for i, r := range ch.recs {
		if len(r) == width {
			out = append(out, bytes.TrimSuffix(ch.raw[start:ch.ends[i]], []byte("\r"))...)
			out = append(out, ',')
		} else {
			for j := range width {
				if j < len(r) {
					out = appendField(out, r[j])
				}
				out = append(out, ',')
			}
		}
		start = ch.ends[i]
		msg, failed := errs[i]
		switch {
		case failed:
			for range k {
				out = append(out, ',')
			}
		case k == 0:
			out = appendFloat(out, bt.Values[i], 64)
		default:
			out = appendField(out, classes[bt.Class[i]])
			for c := range k {
				out = append(out, ',')
				out = appendFloat(out, bt.Probabilities[i*k+c], 32)
			}
		}
		out = append(out, ',')
		if failed {
			out = appendField(out, msg)
		}
		out = append(out, '\n')
	}
	return out
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
