package gbdt

// rowSplit is the split of one leaf over the row store.
type rowSplit struct {
	goLeft   []uint8 // per row of the leaf: 1 when it goes left, else 0
	from, to uint8   // the copies holding the leaf and its children
	begin    int
	// small is the slot for the smaller child's histogram and parent the
	// parent's, which becomes the larger child's by subtraction; both nil
	// when the children need no histograms, and then search is nil too.
	small, parent []float64
	search        []*leafSearch // of the two children
}

// splitRows splits leaf L into L and R by s, bins going left where left is
// set: the rows move to the other copy, the left child's first and each side
// in order, and gr.idx is partitioned alongside. With more it also builds
// the children's histograms and finds their best splits. Everything after
// finding the rows' sides runs as one dispatch to the workers, a task per
// word (moving it, building and subtracting its features' histograms and
// searching them) and one for gr.idx.
func (gr *grower) splitRows(L, R int, s *splitInfo, left []bool, more bool) {
	rs := gr.rows
	begin, cnt := gr.leafBegin[L], gr.leafCnt[L]
	from := rs.side[L]
	sp := &rowSplit{goLeft: rs.goLeft[:cnt], from: from, to: 1 - from, begin: begin}
	nl := sp.sides(rs.buf[from][s.feat/8][begin:begin+cnt], uint(8*(s.feat%8)), left)
	gr.setChildren(L, R, nl, s)
	if more {
		_, ns, ps := gr.childSlots(L, R)
		sp.small, sp.parent = gr.slot(ns), gr.slot(ps)
		sp.search = gr.search[:]
		gr.beginSearch(gr.search[0], L, gr.slot(gr.slotOf[L]))
		gr.beginSearch(gr.search[1], R, gr.slot(gr.slotOf[R]))
	}
	gr.pool.forEach(rs.words+1, gr.parallelWork(cnt), func(t int) {
		if t == rs.words {
			sp.moveIdx(gr.idx[begin:begin+cnt], gr.tmp[:cnt], nl)
			return
		}
		gr.splitWord(sp, t, nl)
	})
	rs.side[L], rs.side[R] = sp.to, sp.to
	for _, ls := range sp.search {
		gr.endSearch(ls)
	}
}

// sides fills sp.goLeft from the words key of the leaf's rows that hold the
// split feature (at bit shift sh) and returns the number going left. It is
// the one step of a split that runs before the dispatch; the tasks then read
// a byte per row instead of the key.
func (sp *rowSplit) sides(key []rowWord, sh uint, left []bool) int {
	var lt [256]uint8
	for b, l := range left {
		if l {
			lt[b] = 1
		}
	}
	goLeft := sp.goLeft[:len(key)]
	nl := 0
	for i, e := range key {
		b := lt[uint8(e.bins>>sh)]
		goLeft[i] = b
		nl += int(b)
	}
	return nl
}

// splitWord moves word wi of the leaf's rows to the children (nl going
// left) and, when histograms are wanted, builds those of its features and
// searches them.
func (gr *grower) splitWord(sp *rowSplit, wi, nl int) {
	rs := gr.rows
	cnt := len(sp.goLeft)
	dst := rs.buf[sp.to][wi][sp.begin : sp.begin+cnt]
	move(rs.buf[sp.from][wi][sp.begin:sp.begin+cnt], dst, sp.goLeft, nl)
	if sp.small == nil {
		return
	}
	child := dst[:nl]
	if cnt-nl < nl {
		child = dst[nl:]
	}
	gr.clearWord(sp.small, wi)
	histWord(sp.small, rs.hist[8*wi:8*wi+8], child)
	for f := 8 * wi; f < min(8*wi+8, len(gr.feats)); f++ {
		fm := &gr.feats[f]
		subtractInto(sp.parent[fm.off:fm.off+2*fm.numBins], sp.small[fm.off:fm.off+2*fm.numBins])
		for _, ls := range sp.search {
			gr.searchFeature(ls, f)
		}
	}
}

// moveIdx partitions the leaf's row numbers idx in place, stably, with
// scratch space tmp.
func (sp *rowSplit) moveIdx(idx, tmp []int32, nl int) {
	move(idx, tmp, sp.goLeft, nl)
	copy(idx, tmp)
}

// move copies src to dst, the nl rows going left first and each side in
// order. It is branch-free: each row's destination is selected
// arithmetically, as the side a row goes to is unpredictable.
func move[T any](src, dst []T, goLeft []uint8, nl int) {
	goLeft = goLeft[:len(src)]
	dst = dst[:len(src)]
	l, r := 0, nl
	for i, e := range src {
		b := int(goLeft[i])
		dst[r+(l-r)*b] = e
		l += b
		r += 1 - b
	}
}
