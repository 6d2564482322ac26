package model

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/trainyard/trainyard/ml/frame"
)

// Batch holds the predictions of many rows.
type Batch struct {
	// N is the number of rows.
	N int
	// Width is the number of probabilities per row (classifiers) or 1.
	Width int
	// Class is the predicted class index per row, -1 for a failed row
	// (classifiers).
	Class []int
	// Probabilities holds Width values per row, row-major (classifiers).
	Probabilities []float64
	// Values holds the predicted value per row (regression).
	Values []float64
	// Errors lists the rows that could not be predicted; their outputs
	// are NaN (and Class -1).
	Errors []RowError
}

// RowError is why one row of a batch could not be predicted.
type RowError struct {
	// Row is the 0-based index of the row in the batch.
	Row int
	Err error
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row+1, e.Err) }

// Label returns the predicted label of row i ("" for a failed row or a
// regression).
func (p *Predictor) Label(b *Batch, i int) string {
	if b.Class == nil || b.Class[i] < 0 {
		return ""
	}
	return p.a.Classes[b.Class[i]]
}

func (p *Predictor) newBatch(n int) *Batch {
	b := &Batch{N: n, Width: p.width}
	if p.a.Task == Regression {
		b.Values = make([]float64, n)
	} else {
		b.Class = make([]int, n)
		b.Probabilities = make([]float64, n*p.width)
	}
	return b
}

// fail marks row i as failed.
func (b *Batch) fail(i int) {
	if b.Values != nil {
		b.Values[i] = math.NaN()
		return
	}
	b.Class[i] = -1
	for c := range b.Width {
		b.Probabilities[i*b.Width+c] = math.NaN()
	}
}

// batchBlock is the number of rows a worker takes at a time.
const batchBlock = 512

// PredictBatch predicts many records over all cores, a block of rows at a
// time: each worker encodes a block, runs every member on it (tree members
// visit one tree for the whole block at a time, or score a few rows at a
// time over all trees, see treeSet) and blends.
// Models with a text member encode all rows into columns first. Rows that
// fail are listed in Batch.Errors (in row order) with NaN outputs; ctx is
// checked between blocks of rows.
func (r *Record) PredictBatch(ctx context.Context, recs [][]string) (*Batch, error) {
	if r.p.hasText {
		return r.predictColumns(ctx, recs)
	}
	return r.predictRecordBlocks(ctx, len(recs),
		func(b *blockBuf, row, i int) bool { return r.direct != nil && r.putKeys(b, row, recs[i]) },
		func(_ *blockBuf, i int) []string { return recs[i] })
}

// predictColumns is PredictBatch through feature columns: the records are
// encoded into columns, then combine runs each member over all rows. Text
// members need it; the tests compare the block path with it.
func (r *Record) predictColumns(ctx context.Context, recs [][]string) (*Batch, error) {
	p := r.p
	n := len(recs)
	cols := make([][][]float64, len(p.a.Pipelines))
	texts := make([][][]string, len(p.a.Pipelines))
	for i, pl := range p.a.Pipelines {
		cols[i] = make([][]float64, len(pl.Names))
		for j := range cols[i] {
			cols[i][j] = make([]float64, n)
		}
		if p.readsText(i) {
			texts[i] = make([][]string, len(pl.TextNames))
			for j := range texts[i] {
				texts[i][j] = make([]string, n)
			}
		}
	}
	nblocks := (n + batchBlock - 1) / batchBlock
	workers := min(runtime.GOMAXPROCS(0), nblocks)
	var next atomic.Int64
	var mu sync.Mutex
	var errs []RowError
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := p.scratch.Get().(*scratch)
			defer p.scratch.Put(s)
			for {
				blk := int(next.Add(1) - 1)
				if blk >= nblocks || ctx.Err() != nil {
					return
				}
				for i := blk * batchBlock; i < min((blk+1)*batchBlock, n); i++ {
					if err := r.encode(s, recs[i]); err != nil {
						mu.Lock()
						errs = append(errs, RowError{Row: i, Err: err})
						mu.Unlock()
						continue
					}
					for pi, x := range s.x {
						for j, v := range x {
							cols[pi][j][i] = v
						}
						for j, v := range texts[pi] {
							v[i] = s.text[pi][j]
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := p.combine(ctx, cols, texts, n)
	if err != nil {
		return nil, err
	}
	sortRowErrors(errs)
	for _, e := range errs {
		b.fail(e.Row)
	}
	b.Errors = errs
	return b, nil
}

func sortRowErrors(errs []RowError) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Row < errs[j-1].Row; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// PredictFrame predicts every row of f, which must hold the input columns
// (extra columns, the target included, are ignored). Tree members predict
// column-wise over all cores.
func (p *Predictor) PredictFrame(ctx context.Context, f *frame.Frame) (*Batch, error) {
	n := f.NRows()
	cols := make([][][]float64, len(p.a.Pipelines))
	texts := make([][][]string, len(p.a.Pipelines))
	for i, pl := range p.a.Pipelines {
		m, err := pl.Transform(f)
		if err != nil {
			return nil, err
		}
		cols[i], texts[i] = m.Cols, m.Text
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.hasText {
		return p.predictColumnBlocks(ctx, cols, n)
	}
	return p.combine(ctx, cols, texts, n)
}

// readsText reports whether a text member uses pipeline i.
func (p *Predictor) readsText(i int) bool {
	for _, m := range p.members {
		if m.text != nil && m.pipe == i {
			return true
		}
	}
	return false
}

// combine runs every member on its pipeline's feature columns (and raw
// text, for text members) and blends the outputs of the n rows.
func (p *Predictor) combine(ctx context.Context, cols [][][]float64, texts [][][]string, n int) (*Batch, error) {
	b := p.newBatch(n)
	acc := b.Values
	if acc == nil {
		acc = b.Probabilities
	}
	w := p.width
	for _, m := range p.members {
		x := cols[m.pipe]
		if m.trees != nil {
			rounded := make([][]float64, len(x))
			for j, c := range x {
				rounded[j] = roundFloat32(nil, c)
			}
			out, err := m.trees.PredictColumns(rounded, false)
			if err != nil {
				return nil, err
			}
			k := m.trees.NumOutputs()
			for i := range n {
				if m.binary {
					acc[i*2] += m.weight * (1 - out[i])
					acc[i*2+1] += m.weight * out[i]
					continue
				}
				for c := range w {
					acc[i*w+c] += m.weight * out[i*k+c]
				}
			}
		} else if m.text != nil {
			for i, r := range m.text.predictBatch(x, texts[m.pipe], n) {
				for c := range w {
					acc[i*w+c] += m.weight * r[c]
				}
			}
		} else {
			row := make([]float64, len(x))
			out := make([]float64, max(w, 2))
			for i := range n {
				for j, c := range x {
					row[j] = c[i]
				}
				m.lin.PredictProba(row, out)
				for c := range w {
					acc[i*w+c] += m.weight * out[c]
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if b.Class != nil {
		for i := range n {
			b.Class[i] = p.a.settle(b.Probabilities[i*w : (i+1)*w])
		}
	}
	return b, nil
}
