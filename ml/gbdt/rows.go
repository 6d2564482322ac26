package gbdt

// Row-wise histograms for large data.
//
// Column by column, the histogram of a leaf reads each feature's bin at the
// leaf's row numbers: a gather whose rows grow sparser with depth, so below
// the top of the tree almost every read misses the cache, once per feature.
// For large data the grower instead keeps the bins of the usable features
// row by row (8 per word), with the gradient and hessian next to them, in the
// order of the leaves: a split moves each row of the parent to its side, and
// a leaf's histogram is one sequential scan of its rows. The sum of every bin
// is over the same rows in the same order as column by column, so the trees
// are identical bit for bit; only the memory traffic changes.

// rowModeMinRows is the row count from which the grower keeps rows (below
// it the columns of a leaf stay in cache and gathering is as fast).
const rowModeMinRows = 50000

// rowStoreMaxBytes caps the memory of the row store (three copies of the
// packed rows and the gradients); wider data stays column by column.
const rowStoreMaxBytes = 1 << 29

// rowStore holds the binned rows in leaf order.
type rowStore struct {
	words int      // words per row: ceil(features / 8)
	src   []uint64 // rows in their original order
	cur   []uint64 // rows at positions of gr.idx
	tmp   []uint64
	gh    []float32 // gradient, hessian per position
	ghTmp []float32
	tasks []int // word boundaries of the parallel histogram tasks
	// hist holds, per feature slot (8 per word), the offset of its region
	// in a histogram slot; padding slots point at the scratch region.
	hist []int
}

// newRowStore packs the usable features of b row by row; nil when b has
// 16-bit bins (wide features stay column by column).
func newRowStore(b *Binned, feats []featMeta, scratchOff, workers int) *rowStore {
	if b.bins8 == nil || len(feats) == 0 {
		return nil
	}
	w := (len(feats) + 7) / 8
	n := b.n
	if 8*3*w*n+16*n > rowStoreMaxBytes {
		return nil // wide data: three copies of the rows would cost too much memory
	}
	rs := &rowStore{
		words: w,
		src:   make([]uint64, n*w),
		cur:   make([]uint64, n*w),
		tmp:   make([]uint64, n*w),
		gh:    make([]float32, 2*n),
		ghTmp: make([]float32, 2*n),
		hist:  make([]int, 8*w),
	}
	for f := range rs.hist {
		rs.hist[f] = scratchOff
		if f < len(feats) {
			rs.hist[f] = feats[f].off
		}
	}
	for f := range feats {
		col := b.bins8[feats[f].col]
		wi, sh := f/8, uint(8*(f%8))
		for i, v := range col {
			rs.src[i*w+wi] |= uint64(v) << sh
		}
	}
	// Tasks split the words (and so the features) between workers; each
	// scans all rows of a leaf for its own features.
	k := min(w, max(1, workers))
	for t := 0; t <= k; t++ {
		rs.tasks = append(rs.tasks, t*w/k)
	}
	return rs
}

// load fills the positions with rows (all rows in order when rows is nil)
// and their gradients.
func (rs *rowStore) load(grad, hess []float32, rows []int32) {
	w := rs.words
	if rows == nil {
		copy(rs.cur, rs.src)
		gh := rs.gh[:2*len(grad)]
		hess = hess[:len(grad)]
		for i, g := range grad {
			gh[2*i] = g
			gh[2*i+1] = hess[i]
		}
		return
	}
	for i, r := range rows {
		copy(rs.cur[i*w:i*w+w], rs.src[int(r)*w:int(r)*w+w])
		rs.gh[2*i] = grad[r]
		rs.gh[2*i+1] = hess[r]
	}
}

// buildHistRows fills histogram slot h from the rows at positions
// [begin, begin+cnt).
func (gr *grower) buildHistRows(h []float64, begin, cnt int) {
	rs := gr.rows
	gr.pool.forEach(len(rs.tasks)-1, gr.parallelWork(cnt), func(t int) {
		w0, w1 := rs.tasks[t], rs.tasks[t+1]
		for f := 8 * w0; f < 8*w1 && f < len(gr.feats); f++ {
			fm := &gr.feats[f]
			clear(h[fm.off : fm.off+2*fm.numBins])
		}
		for wi := w0; wi < w1; wi++ {
			histWord(rs, h, wi, begin, cnt)
		}
	})
}

// histWord accumulates the 8 features of word wi of the rows at positions
// [begin, begin+cnt) into h. The eight lanes stay unrolled on purpose: a
// loop over them costs speed in this hot loop.
func histWord(rs *rowStore, h []float64, wi, begin, cnt int) {
	w := rs.words
	offs := rs.hist[8*wi : 8*wi+8]
	h0 := (*[512]float64)(h[offs[0] : offs[0]+512])
	h1 := (*[512]float64)(h[offs[1] : offs[1]+512])
	h2 := (*[512]float64)(h[offs[2] : offs[2]+512])
	h3 := (*[512]float64)(h[offs[3] : offs[3]+512])
	h4 := (*[512]float64)(h[offs[4] : offs[4]+512])
	h5 := (*[512]float64)(h[offs[5] : offs[5]+512])
	h6 := (*[512]float64)(h[offs[6] : offs[6]+512])
	h7 := (*[512]float64)(h[offs[7] : offs[7]+512])
	gh := rs.gh[2*begin : 2*(begin+cnt)]
	cur := rs.cur[begin*w : (begin+cnt)*w]
	for i := 0; i < cnt; i++ {
		x := cur[i*w+wi]
		g, hh := float64(gh[2*i]), float64(gh[2*i+1])
		j := int(uint8(x)) * 2
		h0[j] += g
		h0[j|1] += hh
		j = int(uint8(x>>8)) * 2
		h1[j] += g
		h1[j|1] += hh
		j = int(uint8(x>>16)) * 2
		h2[j] += g
		h2[j|1] += hh
		j = int(uint8(x>>24)) * 2
		h3[j] += g
		h3[j|1] += hh
		j = int(uint8(x>>32)) * 2
		h4[j] += g
		h4[j|1] += hh
		j = int(uint8(x>>40)) * 2
		h5[j] += g
		h5[j|1] += hh
		j = int(uint8(x>>48)) * 2
		h6[j] += g
		h6[j|1] += hh
		j = int(uint8(x>>56)) * 2
		h7[j] += g
		h7[j|1] += hh
	}
}

// partitionRows reorders the rows at positions [begin, begin+cnt) (and
// gr.idx alongside) so that those whose bin of feature f goes left come
// first, keeping the order within each side; it returns the number going
// left. Large leaves are cut into blocks partitioned in parallel and then
// joined, which gives the same order as one pass.
func (gr *grower) partitionRows(f int, left []bool, begin, cnt int) int {
	var lt [256]bool
	copy(lt[:], left)
	const minBlock = 1 << 15
	k := max(1, min(gr.pool.workers, cnt/minBlock))
	bounds := make([]int, k+1)
	nls := make([]int, k)
	for b := range bounds {
		bounds[b] = begin + b*cnt/k
	}
	gr.pool.forEach(k, k > 1, func(b int) {
		nls[b] = gr.partitionBlock(f, &lt, begin, bounds[b], bounds[b+1])
	})
	if k == 1 {
		gr.joinRight(begin+nls[0], 0, cnt-nls[0])
		return nls[0]
	}
	// Join: the left rows of every block one after the other, then their
	// right rows (from the scratch buffers, at the blocks' offsets).
	rs, w := gr.rows, gr.rows.words
	nl := nls[0]
	for b := 1; b < k; b++ {
		lo := bounds[b]
		to := begin + nl
		copy(rs.cur[to*w:(to+nls[b])*w], rs.cur[lo*w:(lo+nls[b])*w])
		copy(gr.idx[to:to+nls[b]], gr.idx[lo:lo+nls[b]])
		copy(rs.gh[2*to:2*(to+nls[b])], rs.gh[2*lo:2*(lo+nls[b])])
		nl += nls[b]
	}
	at := begin + nl
	for b := 0; b < k; b++ {
		nr := bounds[b+1] - bounds[b] - nls[b]
		gr.joinRight(at, bounds[b]-begin, nr)
		at += nr
	}
	return nl
}

// joinRight copies nr right rows from the scratch buffers at offset from to
// position at.
func (gr *grower) joinRight(at, from, nr int) {
	rs, w := gr.rows, gr.rows.words
	copy(rs.cur[at*w:(at+nr)*w], rs.tmp[from*w:(from+nr)*w])
	copy(gr.idx[at:at+nr], gr.tmp[from:from+nr])
	copy(rs.gh[2*at:2*(at+nr)], rs.ghTmp[2*from:2*(from+nr)])
}

// partitionBlock partitions positions [lo, hi) of the leaf that starts at
// begin: the rows going left are compacted at lo, the others are copied to
// the scratch buffers at offset lo-begin; it returns the number going left.
func (gr *grower) partitionBlock(f int, lt *[256]bool, begin, lo, hi int) int {
	rs := gr.rows
	w := rs.words
	wi, sh := f/8, uint(8*(f%8))
	cnt := hi - lo
	idx := gr.idx[lo:hi]
	cur := rs.cur[lo*w : hi*w]
	gh := rs.gh[2*lo : 2*hi]
	tidx := gr.tmp[lo-begin : lo-begin+cnt]
	tmp := rs.tmp[(lo-begin)*w : (lo-begin+cnt)*w]
	tgh := rs.ghTmp[2*(lo-begin) : 2*(lo-begin+cnt)]
	// Branch-free: every row is written to both sides and only the side it
	// belongs to advances. Writing at the left end is safe because it never
	// passes the row being read.
	nl, nr := 0, 0
	for i := 0; i < cnt; i++ {
		row := cur[i*w : i*w+w]
		l := 0
		if lt[uint8(row[wi]>>sh)] {
			l = 1
		}
		dl := cur[nl*w : nl*w+w]
		dr := tmp[nr*w : nr*w+w]
		for k, v := range row {
			dl[k] = v
			dr[k] = v
		}
		r := idx[i]
		g, h := gh[2*i], gh[2*i+1]
		idx[nl], tidx[nr] = r, r
		gh[2*nl], gh[2*nl+1] = g, h
		tgh[2*nr], tgh[2*nr+1] = g, h
		nl += l
		nr += 1 - l
	}
	return nl
}
