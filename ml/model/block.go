package model

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/trainyard/trainyard/ml/prep"
)

// blockRows is the number of rows a worker encodes and predicts at a time:
// the keys of a block of a few dozen features stay in the first-level
// cache while every tree passes over them.
const blockRows = 256

// blockBuf is one worker's buffers for a block of rows.
type blockBuf struct {
	// keys per member (tree members compiled to a treeSet), row-major.
	keys [][]uint32
	// outs per member: its outputs for the block, outWidth(member) per row.
	outs [][]float64
	walk walkBuf
	xr   []float64
	// commas and cells hold the comma indexes and the cells of a line
	// (see PredictLines).
	commas []int32
	cells  []string
}

// outWidth is the number of outputs per row a member writes in a block.
func (p *Predictor) outWidth(m *member) int {
	switch {
	case m.ts != nil:
		return m.ts.k
	case m.trees != nil:
		return max(m.trees.NumOutputs(), 2)
	}
	return max(p.width, 2)
}

func (p *Predictor) newBlockBuf() *blockBuf {
	b := &blockBuf{
		keys: make([][]uint32, len(p.members)),
		outs: make([][]float64, len(p.members)),
	}
	trees := 0
	for i := range p.members {
		m := &p.members[i]
		if m.ts != nil {
			b.keys[i] = make([]uint32, blockRows*m.ts.stride())
			trees = max(trees, len(m.ts.roots))
		}
		b.outs[i] = make([]float64, blockRows*p.outWidth(m))
	}
	b.walk = newWalkBuf(blockRows, trees)
	return b
}

// putRow stores row r of the block from its encoded features x (one slice
// per pipeline): keys for compiled tree members, outputs for the others.
func (p *Predictor) putRow(b *blockBuf, r int, x [][]float64) {
	for i := range p.members {
		m := &p.members[i]
		xm := x[m.pipe]
		switch {
		case m.ts != nil:
			st := m.ts.stride()
			m.ts.setKeys(b.keys[i][r*st:(r+1)*st], xm)
		case m.trees != nil:
			w := p.outWidth(m)
			b.xr = roundFloat32(b.xr, xm)
			m.trees.Predict(b.xr, b.outs[i][r*w:(r+1)*w])
		default:
			w := p.outWidth(m)
			m.lin.PredictProba(xm, b.outs[i][r*w:(r+1)*w])
		}
	}
}

// putKeys stores row row of the block straight from the cells of record
// rec, for a Record with direct: every key is keyOf the number Encode
// would read from its cell (looked up for one-digit cells, see digitKeys).
// It reports false when the record is too short or a cell is neither a
// number nor a missing marker; the caller then takes the general path,
// which stores the row or reports its error.
func (r *Record) putKeys(b *blockBuf, row int, rec []string) bool {
	if len(rec) < r.need {
		return false
	}
	for i, fields := range r.direct {
		m := &r.p.members[i]
		enc := r.enc[m.pipe]
		st := m.ts.stride()
		keys := b.keys[i][row*st : row*st+len(fields)]
		for j, f := range fields {
			k, ok := r.cellKey(i, enc, rec[f])
			if !ok {
				return false
			}
			keys[j] = k
		}
	}
	return true
}

// cellKey returns the tree key of one cell for member i of r.direct, read by
// enc: looked up for a one-digit cell (see digitKeys), else keyOf the number
// enc reads. It reports false when the cell is not a number.
func (r *Record) cellKey(i int, enc *prep.RowEncoder, cell string) (uint32, bool) {
	if len(cell) == 1 && cell[0]-'0' <= 9 && r.digits != nil {
		return r.digits[i][cell[0]-'0'], true
	}
	v, ok := enc.Number(cell)
	return keyOf(v), ok
}

// putColumns stores rows [lo, lo+n) of column-major features cols (per
// pipeline) as rows 0..n-1 of the block.
func (p *Predictor) putColumns(b *blockBuf, cols [][][]float64, lo, n int) {
	for i := range p.members {
		m := &p.members[i]
		if m.ts == nil {
			continue
		}
		st := m.ts.stride()
		keys := b.keys[i][:n*st]
		for j, c := range cols[m.pipe] {
			c = c[lo : lo+n]
			if m.ts.cat[j] {
				for r, v := range c {
					keys[r*st+j] = catKeyOf(v)
				}
			} else {
				for r, v := range c {
					keys[r*st+j] = keyOf(v)
				}
			}
		}
	}
	if p.compiled {
		return
	}
	x := make([][]float64, len(cols))
	for r := range n {
		for pi, c := range cols {
			if cap(x[pi]) < len(c) {
				x[pi] = make([]float64, len(c))
			}
			x[pi] = x[pi][:len(c)]
			for j, col := range c {
				x[pi][j] = col[lo+r]
			}
		}
		for i := range p.members {
			m := &p.members[i]
			if m.ts != nil {
				continue
			}
			w := p.outWidth(m)
			if m.trees != nil {
				b.xr = roundFloat32(b.xr, x[m.pipe])
				m.trees.Predict(b.xr, b.outs[i][r*w:(r+1)*w])
			} else {
				m.lin.PredictProba(x[m.pipe], b.outs[i][r*w:(r+1)*w])
			}
		}
	}
}

// finishBlock runs the compiled tree members on the block's n rows and
// blends every member's outputs into rows [lo, lo+n) of out, in member
// order, as the column path does.
func (p *Predictor) finishBlock(b *blockBuf, n int, out *Batch, lo int) {
	w := p.width
	acc := out.Values
	if acc == nil {
		acc = out.Probabilities
	}
	acc = acc[lo*w : (lo+n)*w]
	for i := range p.members {
		m := &p.members[i]
		ow := p.outWidth(m)
		o := b.outs[i][:n*ow]
		if m.ts != nil {
			for r := range n {
				copy(o[r*ow:(r+1)*ow], m.ts.init)
			}
			m.ts.raw(b.keys[i], n, &b.walk, o)
			m.ts.transformRows(o)
		}
		wt := m.weight
		if m.binary {
			for r := range n {
				acc[r*2] += wt * (1 - o[r*ow])
				acc[r*2+1] += wt * o[r*ow]
			}
			continue
		}
		for r := range n {
			for c := range w {
				acc[r*w+c] += wt * o[r*ow+c]
			}
		}
	}
	if out.Class != nil {
		for r := range n {
			out.Class[lo+r] = p.a.settle(acc[r*w : (r+1)*w])
		}
	}
}

// forBlocks runs fn on every block of n rows over GOMAXPROCS workers, each
// with its own buffers, checking ctx between blocks.
func (p *Predictor) forBlocks(ctx context.Context, n int, fn func(b *blockBuf, s *scratch, lo, hi int)) error {
	nblocks := (n + blockRows - 1) / blockRows
	workers := min(runtime.GOMAXPROCS(0), nblocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := p.scratch.Get().(*scratch)
			defer p.scratch.Put(s)
			b := p.blocks.Get().(*blockBuf)
			defer p.blocks.Put(b)
			for {
				blk := int(next.Add(1) - 1)
				if blk >= nblocks || ctx.Err() != nil {
					return
				}
				lo := blk * blockRows
				fn(b, s, lo, min(lo+blockRows, n))
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// predictRecordBlocks predicts n records for PredictBatch and PredictLines
// (predictors without text members): each worker encodes a block of
// records, evaluates every member on it and blends, so the rows pass
// through memory once. putKeys stores record i as a block row straight in
// tree keys when it can (see Record.putKeys); the others go through
// Encode of their cells.
func (r *Record) predictRecordBlocks(ctx context.Context, n int, putKeys func(b *blockBuf, row, i int) bool, cells func(b *blockBuf, i int) []string) (*Batch, error) {
	p := r.p
	out := p.newBatch(n)
	var mu sync.Mutex
	var errs []RowError
	err := p.forBlocks(ctx, n, func(b *blockBuf, s *scratch, lo, hi int) {
		for i := lo; i < hi; i++ {
			if putKeys(b, i-lo, i) {
				continue
			}
			if err := r.encode(s, cells(b, i)); err != nil {
				mu.Lock()
				errs = append(errs, RowError{Row: i, Err: err})
				mu.Unlock()
				continue
			}
			p.putRow(b, i-lo, s.x)
		}
		p.finishBlock(b, hi-lo, out, lo)
	})
	if err != nil {
		return nil, err
	}
	sortRowErrors(errs)
	for _, e := range errs {
		out.fail(e.Row)
	}
	out.Errors = errs
	return out, nil
}

// predictColumnBlocks blends the members over n rows of encoded feature
// columns (per pipeline), block by block over all cores.
func (p *Predictor) predictColumnBlocks(ctx context.Context, cols [][][]float64, n int) (*Batch, error) {
	out := p.newBatch(n)
	err := p.forBlocks(ctx, n, func(b *blockBuf, _ *scratch, lo, hi int) {
		p.putColumns(b, cols, lo, hi-lo)
		p.finishBlock(b, hi-lo, out, lo)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
