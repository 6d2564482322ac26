package model

import (
	"context"

	"github.com/trainyard/trainyard/ml/frame"
)

// PredictLines is PredictBatch for records given as CSV lines, each
// without its line break: it predicts, and fails rows with the same errors,
// exactly what PredictBatch does on the lines' fields as
// frame.AppendFields reads them (a line without quotes split at every
// comma). A line that is not valid CSV fails the call with a RowError
// naming it.
//
// When the Record allows it (see putKeys), the numbers of a line without
// quotes, or with plain ones (see frame.PlainQuotes: a quoted label or
// number), are read from its text straight into tree keys, without
// building its cells: a caller holding records as text then skips
// splitting them, and the collector does not scan millions of cells. The
// other lines are split into a worker's buffer for Encode to predict or
// fail them; the few lines with other quotes are read by encoding/csv
// first (see quotedFields).
func (r *Record) PredictLines(ctx context.Context, lines []string) (*Batch, error) {
	if r.p.hasText {
		recs := make([][]string, len(lines))
		for i, l := range lines {
			f, err := frame.AppendFields(nil, l)
			if err != nil {
				return nil, RowError{Row: i, Err: err}
			}
			recs[i] = f
		}
		return r.predictColumns(ctx, recs)
	}
	quoted, err := quotedFields(lines)
	if err != nil {
		return nil, err
	}
	return r.predictRecordBlocks(ctx, len(lines),
		func(b *blockBuf, row, i int) bool {
			return r.direct != nil && quoted[i] == nil && r.putLineKeys(b, row, lines[i])
		},
		func(b *blockBuf, i int) []string {
			if f := quoted[i]; f != nil {
				return f
			}
			return b.lineCells(lines[i])
		})
}

// quotedFields returns the fields of the lines whose quotes are not plain
// (see frame.PlainQuotes) by their index, or a RowError for the first that
// is not valid CSV; nil when every line is plain. They are read before the
// workers start, for a bad line to fail the call before any prediction, and
// the workers read the other lines in place.
func quotedFields(lines []string) (map[int][]string, error) {
	var fields map[int][]string
	for i, l := range lines {
		if frame.PlainQuotes(l) {
			continue
		}
		f, err := frame.AppendFields(nil, l)
		if err != nil {
			return nil, RowError{Row: i, Err: err}
		}
		if fields == nil {
			fields = map[int][]string{}
		}
		fields[i] = f
	}
	return fields, nil
}

// putLineKeys is putKeys for a line with plain quotes (see
// frame.PlainQuotes), reading its cells in place: cell f lies between the
// commas f-1 and f, inside the quotes that wrap it if any. It reports
// false, for the general path to take the record, when the line has too
// few cells or a cell is not a number.
func (r *Record) putLineKeys(b *blockBuf, row int, line string) bool {
	b.commas = frame.AppendCommas(b.commas[:0], line)
	commas := b.commas
	if len(commas)+1 < r.need {
		return false
	}
	for i, fields := range r.direct {
		m := &r.p.members[i]
		enc := r.enc[m.pipe]
		st := m.ts.stride()
		keys := b.keys[i][row*st : row*st+len(fields)]
		for j, f := range fields {
			start, end := 0, len(line)
			if f > 0 {
				start = int(commas[f-1]) + 1
			}
			if f < len(commas) {
				end = int(commas[f])
			}
			k, ok := r.cellKey(i, enc, frame.Unquote(line[start:end]))
			if !ok {
				return false
			}
			keys[j] = k
		}
	}
	return true
}

// digitKeys returns per member of r.direct the key of every one-digit
// cell, the commonest cells of many files (flags, small counts, the zeros
// of sparse columns): putKeys and putLineKeys look them up instead of
// reading them.
// They are the keys of what Number reads, missing markers included; nil,
// for them to read every cell, if Number refused a digit.
func (r *Record) digitKeys() [][10]uint32 {
	keys := make([][10]uint32, len(r.direct))
	for i := range r.direct {
		enc := r.enc[r.p.members[i].pipe]
		for d := range 10 {
			v, ok := enc.Number(string(rune('0' + d)))
			if !ok {
				return nil
			}
			keys[i][d] = keyOf(v)
		}
	}
	return keys
}

// lineCells returns the fields of line, a line with plain quotes (see
// frame.PlainQuotes), in b's buffers: they are only read until the next
// line.
func (b *blockBuf) lineCells(line string) []string {
	b.cells = frame.AppendUnquoted(b.cells[:0], line)
	return b.cells
}
