package gbdt

// Row-wise histograms for large data.
//
// Column by column, the histogram of a leaf reads each feature's bin at the
// leaf's row numbers: a gather whose rows grow sparser with depth, so below
// the top of the tree almost every read misses the cache, once per feature.
// For large data the grower instead keeps the bins of the usable features
// packed 8 to a word, each word next to the row's gradient and hessian, in
// the order of the leaves: a split moves each row of the parent to its side,
// and a leaf's histogram is one sequential scan of its rows. The sum of every
// bin is over the same rows in the same order as column by column, so the
// trees are identical bit for bit; only the memory traffic changes.
//
// Each word of the rows is its own array, so one task per word can move that
// word of every row of a split, build the smaller child's histogram of its 8
// features and subtract it from the parent's, all in one dispatch to the
// workers: a split costs one hand-off between them, not one per step.

// rowModeMinRows is the row count from which the grower keeps rows (below
// it the columns of a leaf stay in cache and gathering is as fast).
const rowModeMinRows = 50000

// rowStoreMaxBytes caps the memory of the row store (the packed rows and two
// copies of the words with their gradients); wider data stays column by
// column.
const rowStoreMaxBytes = 1 << 29

// rowWord is one word of a row: the bins of 8 features and the row's
// gradient and hessian, so that a task owning the word reads nothing else.
type rowWord struct {
	bins uint64
	g, h float32
}

// rowStore holds the binned rows in leaf order.
type rowStore struct {
	words int        // words per row: ceil(features / 8)
	src   [][]uint64 // per word: the packed rows in their original order
	// buf holds two copies of every word at positions of gr.idx: a split
	// reads its leaf's rows from one and writes its children to the other,
	// so no task overwrites what another still reads.
	buf    [2][][]rowWord
	side   []uint8 // per leaf: the copy holding its rows
	goLeft []uint8 // per position of the leaf being split: its side
	// hist holds, per feature slot (8 per word), the offset of its region
	// in a histogram slot; padding slots point at the scratch region.
	hist []int
}

// newRowStore packs the usable features of b 8 to a word, for trees of up
// to leaves leaves; nil when b has 16-bit bins or is too wide (those stay
// column by column).
func newRowStore(b *Binned, feats []featMeta, scratchOff, leaves int) *rowStore {
	if b.bins8 == nil || len(feats) == 0 {
		return nil
	}
	w := (len(feats) + 7) / 8
	n := b.n
	if 40*w*n+n > rowStoreMaxBytes {
		return nil // wide data: the copies of the rows would cost too much memory
	}
	rs := &rowStore{
		words:  w,
		src:    make([][]uint64, w),
		side:   make([]uint8, leaves),
		goLeft: make([]uint8, n),
		hist:   make([]int, 8*w),
	}
	for wi := range rs.src {
		rs.src[wi] = make([]uint64, n)
	}
	for c := range rs.buf {
		rs.buf[c] = make([][]rowWord, w)
		for wi := range rs.buf[c] {
			rs.buf[c][wi] = make([]rowWord, n)
		}
	}
	for f := range rs.hist {
		rs.hist[f] = scratchOff
		if f < len(feats) {
			rs.hist[f] = feats[f].off
		}
	}
	for f := range feats {
		col := b.bins8[feats[f].col]
		src, sh := rs.src[f/8], uint(8*(f%8))
		for i, v := range col {
			src[i] |= uint64(v) << sh
		}
	}
	return rs
}

// load fills word wi of copy 0 with rows (all rows in order when rows is
// nil) and their gradients.
func (rs *rowStore) load(wi int, grad, hess []float32, rows []int32) {
	src, dst := rs.src[wi], rs.buf[0][wi]
	if rows == nil {
		src, dst, hess = src[:len(grad)], dst[:len(grad)], hess[:len(grad)]
		for i, g := range grad {
			dst[i] = rowWord{bins: src[i], g: g, h: hess[i]}
		}
		return
	}
	for i, r := range rows {
		dst[i] = rowWord{bins: src[r], g: grad[r], h: hess[r]}
	}
}

// loadRows fills copy 0 for the root leaf and builds its histogram in
// slot h, one task per word.
func (gr *grower) loadRows(h []float64, grad, hess []float32, rows []int32) {
	rs := gr.rows
	cnt := gr.leafCnt[0]
	rs.side[0] = 0
	gr.pool.forEach(rs.words, gr.parallelWork(cnt), func(wi int) {
		rs.load(wi, grad, hess, rows)
		gr.clearWord(h, wi)
		histWord(h, rs.hist[8*wi:8*wi+8], rs.buf[0][wi][:cnt])
	})
}

// wordFeats returns the usable features held in word wi.
func (gr *grower) wordFeats(wi int) []featMeta {
	return gr.feats[8*wi : min(8*wi+8, len(gr.feats))]
}

// clearWord zeroes the histogram regions in h of the features of word wi.
func (gr *grower) clearWord(h []float64, wi int) {
	for _, fm := range gr.wordFeats(wi) {
		clear(h[fm.off : fm.off+2*fm.numBins])
	}
}

// histWord accumulates the 8 features of the words e into h at the offsets
// offs. The eight lanes stay unrolled on purpose: a loop over them costs
// speed in this hot loop.
func histWord(h []float64, offs []int, e []rowWord) {
	h0 := (*[512]float64)(h[offs[0] : offs[0]+512])
	h1 := (*[512]float64)(h[offs[1] : offs[1]+512])
	h2 := (*[512]float64)(h[offs[2] : offs[2]+512])
	h3 := (*[512]float64)(h[offs[3] : offs[3]+512])
	h4 := (*[512]float64)(h[offs[4] : offs[4]+512])
	h5 := (*[512]float64)(h[offs[5] : offs[5]+512])
	h6 := (*[512]float64)(h[offs[6] : offs[6]+512])
	h7 := (*[512]float64)(h[offs[7] : offs[7]+512])
	for _, r := range e {
		x := r.bins
		g, hh := float64(r.g), float64(r.h)
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
