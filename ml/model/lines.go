package model

import (
	"context"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
)

// PredictLines is PredictBatch for records given as lines of cells
// separated by commas, without quotes or line breaks: it predicts, and
// fails with the same errors, exactly what PredictBatch does on the lines
// split at every comma. When the Record allows it (see putKeys), a line's
// numbers are read from its text straight into tree keys, without
// building its cells: a caller holding records as text then skips
// splitting them, and the collector does not scan millions of cells.
// The other lines are split into a worker's buffer for Encode to predict
// or fail them.
func (r *Record) PredictLines(ctx context.Context, lines []string) (*Batch, error) {
	if r.p.hasText {
		recs := make([][]string, len(lines))
		for i, l := range lines {
			recs[i] = strings.Split(l, ",")
		}
		return r.predictColumns(ctx, recs)
	}
	return r.predictRecordBlocks(ctx, len(lines),
		func(b *blockBuf, row, i int) bool { return r.direct != nil && r.putLineKeys(b, row, lines[i]) },
		func(b *blockBuf, i int) []string { return b.lineCells(lines[i]) })
}

// putLineKeys is putKeys for a record given as a line, reading its cells
// in place: cell f lies between the commas f-1 and f. It reports false,
// for the general path to take the record, when the line has too few cells
// or a cell is not a number.
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
			k, ok := r.cellKey(i, enc, line[start:end])
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

// lineCells returns the cells of line, split at every comma, in b's
// buffers: they are only read until the next line.
func (b *blockBuf) lineCells(line string) []string {
	b.cells = frame.AppendCells(b.cells[:0], line)
	return b.cells
}
