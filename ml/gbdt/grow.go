package gbdt

import (
	"math/rand/v2"
	"slices"
)

// featMeta describes a usable (more than one bin) feature for the grower.
type featMeta struct {
	col         int // column in Binned
	numBins     int
	off         int // offset (in float64s) of the feature in a histogram slot
	categorical bool
	hasNaN      bool
	zeroBin     int
	mapper      *binMapper
}

// binSplit is a split in bin space, used to route binned rows.
type binSplit struct {
	col  int
	left []bool // per bin: goes left
}

// binTree is a grown tree in bin space (parallel to Tree.Nodes).
type binTree struct {
	splits []binSplit // per node; unused for leaves
	nodes  []Node
}

// leafOf returns the node index of the leaf that binned row r of b reaches.
func (t *binTree) leafOf(b *Binned, r int) int {
	i := 0
	for !t.nodes[i].Leaf {
		s := &t.splits[i]
		if s.left[b.bin(s.col, r)] {
			i = t.nodes[i].Left
		} else {
			i = t.nodes[i].Right
		}
	}
	return i
}

// grower grows one tree at a time on a Binned dataset.
type grower struct {
	p        Params
	b        *Binned
	feats    []featMeta
	slotSize int
	slab     []float64
	slotOf   []int
	free     []int
	pool     *pool

	idx, tmp  []int32
	leafBegin []int
	leafCnt   []int
	leafG     []float64
	leafH     []float64
	leafDepth []int
	leafNode  []int
	best      []splitInfo
	histOK    []bool         // leaf's histogram slot is current
	search    [2]*leafSearch // of the two children of a split
	og, oh    []float32

	treeFeat []bool // features allowed in the current tree
	groups   []int  // feature group boundaries for histogram tasks
	rng      *rand.Rand
	rows     *rowStore // the bins row by row, in leaf order (large data); nil: by column

	tree binTree
}

func newGrower(b *Binned, p Params, workers int, rng *rand.Rand) *grower {
	gr := &grower{p: p, b: b, pool: newPool(workers), rng: rng}
	off := 0
	for j, m := range b.mappers {
		if m.numBins < 2 {
			continue
		}
		fm := featMeta{col: j, numBins: m.numBins, off: off, categorical: m.categorical, hasNaN: m.hasNaN, zeroBin: m.zeroBin, mapper: m}
		off += 2 * m.numBins
		gr.feats = append(gr.feats, fm)
	}
	// Features are packed tightly; the 512-value tail lets the 8-bit kernels
	// view any feature's region as a [512]float64 (they only touch its bins).
	gr.slotSize = off + 512
	// Groups of up to 4 features, at least 2 groups per worker when possible.
	per := max(1, min(4, len(gr.feats)/(2*max(workers, 1))))
	for f := 0; f < len(gr.feats); f += per {
		gr.groups = append(gr.groups, f)
	}
	gr.groups = append(gr.groups, len(gr.feats))
	L := p.NumLeaves
	gr.slab = make([]float64, L*gr.slotSize)
	gr.slotOf = make([]int, L)
	gr.idx = make([]int32, b.n)
	gr.tmp = make([]int32, b.n)
	gr.leafBegin = make([]int, L)
	gr.leafCnt = make([]int, L)
	gr.leafG = make([]float64, L)
	gr.leafH = make([]float64, L)
	gr.leafDepth = make([]int, L)
	gr.leafNode = make([]int, L)
	gr.best = make([]splitInfo, L)
	gr.histOK = make([]bool, L)
	gr.search = [2]*leafSearch{newLeafSearch(len(gr.feats)), newLeafSearch(len(gr.feats))}
	gr.og = make([]float32, b.n)
	gr.oh = make([]float32, b.n)
	gr.treeFeat = make([]bool, len(gr.feats))
	return gr
}

func (gr *grower) close() { gr.pool.close() }

// useRows switches histograms and partitions to the row-wise store (when
// every feature has 8-bit bins).
func (gr *grower) useRows() {
	gr.rows = newRowStore(gr.b, gr.feats, gr.slotSize-512, gr.p.NumLeaves)
}

func (gr *grower) slot(s int) []float64 {
	return gr.slab[s*gr.slotSize : (s+1)*gr.slotSize]
}

// sampleFeatures picks the features of the next tree (feature_fraction).
func (gr *grower) sampleFeatures() {
	sampleInto(gr.treeFeat, nil, gr.p.FeatureFraction, gr.rng)
}

// sampleInto marks round(frac*len) features of the allowed ones (all when
// allowed is nil) in dst, at least one.
func sampleInto(dst, allowed []bool, frac float64, rng *rand.Rand) {
	var cand []int
	for i := range dst {
		dst[i] = false
		if allowed == nil || allowed[i] {
			cand = append(cand, i)
		}
	}
	if frac >= 1 {
		for _, i := range cand {
			dst[i] = true
		}
		return
	}
	k := max(1, int(float64(len(cand))*frac+0.5))
	if k >= len(cand) {
		for _, i := range cand {
			dst[i] = true
		}
		return
	}
	for i := 0; i < k; i++ { // partial Fisher-Yates
		j := i + rng.IntN(len(cand)-i)
		cand[i], cand[j] = cand[j], cand[i]
		dst[cand[i]] = true
	}
}

// parallelWork says whether a pass over cnt rows and all features is worth
// splitting across workers.
func (gr *grower) parallelWork(cnt int) bool {
	return cnt*len(gr.feats) >= 1<<15
}

// buildHist fills the histogram slot s from the rows of leaf, column by
// column.
func (gr *grower) buildHist(leaf, s int, grad, hess []float32, identity bool) {
	h := gr.slot(s)
	begin, cnt := gr.leafBegin[leaf], gr.leafCnt[leaf]
	rows := gr.idx[begin : begin+cnt]
	og, oh := gr.og[:cnt], gr.oh[:cnt]
	if !identity {
		for i, r := range rows {
			og[i] = grad[r]
			oh[i] = hess[r]
		}
	}
	b := gr.b
	groups := gr.groups
	gr.pool.forEach(len(groups)-1, gr.parallelWork(cnt), func(gi int) {
		feats := gr.feats[groups[gi]:groups[gi+1]]
		for f := range feats {
			fm := &feats[f]
			clear(h[fm.off : fm.off+2*fm.numBins])
		}
		// Rows in chunks so the gradients of a chunk stay in cache while
		// every feature of the group reads them.
		const chunk = 2048
		for lo := 0; lo < cnt; lo += chunk {
			hi := min(lo+chunk, cnt)
			for f := range feats {
				fm := &feats[f]
				if b.bins8 != nil {
					hf := (*[512]float64)(h[fm.off : fm.off+512])
					if identity {
						histAll8(b.bins8[fm.col][lo:hi], grad[lo:hi], hess[lo:hi], hf)
					} else {
						histIdx8(b.bins8[fm.col], rows[lo:hi], og[lo:hi], oh[lo:hi], hf)
					}
					continue
				}
				hf := h[fm.off : fm.off+2*fm.numBins]
				if identity {
					histAll(b.bins16[fm.col][lo:hi], grad[lo:hi], hess[lo:hi], hf)
				} else {
					histIdx(b.bins16[fm.col], rows[lo:hi], og[lo:hi], oh[lo:hi], hf)
				}
			}
		}
	})
}

// grow grows one tree from gradients grad/hess (already weighted). rows are
// the rows in the sample (nil = all rows). The leaves' rows are left in
// gr.idx, gr.leafBegin, gr.leafCnt, indexed by leaf; gr.leafNode maps leaves
// to node indices. shrinkage multiplies the leaf values.
func (gr *grower) grow(grad, hess []float32, rows []int32, shrinkage float64) (*binTree, int) {
	p := &gr.p
	n := gr.b.n
	identity := rows == nil
	if identity {
		for i := range gr.idx {
			gr.idx[i] = int32(i)
		}
		gr.leafCnt[0] = n
	} else {
		copy(gr.idx, rows)
		gr.leafCnt[0] = len(rows)
	}
	gr.leafBegin[0] = 0
	gr.leafDepth[0] = 0
	var G, H float64
	for _, r := range gr.idx[:gr.leafCnt[0]] {
		G += float64(grad[r])
		H += float64(hess[r])
	}
	gr.leafG[0], gr.leafH[0] = G, H
	gr.tree = binTree{splits: gr.tree.splits[:0], nodes: nil}
	gr.tree.nodes = append(gr.tree.nodes, Node{Leaf: true, Value: leafOutput(G, H, p.LambdaL1, p.LambdaL2) * shrinkage, Hessian: H, Count: gr.leafCnt[0]})
	gr.tree.splits = append(gr.tree.splits, binSplit{})
	gr.leafNode[0] = 0
	gr.free = gr.free[:0]
	for s := p.NumLeaves - 1; s >= 1; s-- {
		gr.free = append(gr.free, s)
	}
	gr.slotOf[0] = 0
	numLeaves := 1
	if p.NumLeaves > 1 {
		if gr.rows != nil {
			gr.loadRows(gr.slot(0), grad, hess, rows)
		} else {
			gr.buildHist(0, 0, grad, hess, identity)
		}
		gr.histOK[0] = true
		gr.findBest(0)
	}
	for numLeaves < p.NumLeaves {
		bl := -1
		for l := 0; l < numLeaves; l++ {
			if gr.best[l].found() && (bl < 0 || gr.best[l].gain > gr.best[bl].gain) {
				bl = l
			}
		}
		if bl < 0 {
			break
		}
		gr.split(bl, numLeaves, grad, hess, shrinkage, numLeaves+1 < p.NumLeaves)
		numLeaves++
	}
	return &gr.tree, numLeaves
}

// split splits leaf L into L (left) and R (right, a new leaf). With more
// splits to come it also builds the children's histograms and finds their
// best splits.
func (gr *grower) split(L, R int, grad, hess []float32, shrinkage float64, more bool) {
	s := gr.best[L]
	fm := &gr.feats[s.feat]
	left := binsLeft(fm, &s)
	gr.addChildNodes(L, R, fm, &s, left, shrinkage)
	if gr.rows != nil {
		gr.splitRows(L, R, &s, left, more)
	} else {
		begin, cnt := gr.leafBegin[L], gr.leafCnt[L]
		gr.setChildren(L, R, gr.partition(fm.col, left, gr.idx[begin:begin+cnt]), &s)
		if more {
			gr.childHists(L, R, grad, hess)
			gr.findBest(L)
			gr.findBest(R)
		}
	}
	nodes := gr.tree.nodes
	nodes[gr.leafNode[L]].Count, nodes[gr.leafNode[R]].Count = gr.leafCnt[L], gr.leafCnt[R]
	if !more {
		gr.best[L] = splitInfo{feat: -1}
		gr.best[R] = splitInfo{feat: -1}
		gr.histOK[L], gr.histOK[R] = false, false
	}
}

// binsLeft returns, per bin of feature fm, whether split s sends it left.
func binsLeft(fm *featMeta, s *splitInfo) []bool {
	left := make([]bool, fm.numBins)
	if fm.categorical {
		for _, b := range s.catBins {
			left[b] = true
		}
		return left
	}
	for b := 0; b <= s.thr; b++ {
		left[b] = true
	}
	if fm.hasNaN {
		left[fm.numBins-1] = s.defaultLeft
	}
	return left
}

// setChildren records the rows and sums of the children of leaf L, whose
// first nl rows went left, to L and R.
func (gr *grower) setChildren(L, R, nl int, s *splitInfo) {
	begin, cnt := gr.leafBegin[L], gr.leafCnt[L]
	gr.leafBegin[R] = begin + nl
	gr.leafCnt[L], gr.leafCnt[R] = nl, cnt-nl
	gr.leafG[L], gr.leafH[L] = s.leftG, s.leftH
	gr.leafG[R], gr.leafH[R] = s.rightG, s.rightH
	d := gr.leafDepth[L] + 1
	gr.leafDepth[L], gr.leafDepth[R] = d, d
}

// addChildNodes turns the node of leaf L into a split node by s with two
// leaf children, for L and R; their counts are set once the rows are split.
func (gr *grower) addChildNodes(L, R int, fm *featMeta, s *splitInfo, left []bool, shrinkage float64) {
	t := &gr.tree
	ni := gr.leafNode[L]
	li, ri := len(t.nodes), len(t.nodes)+1
	nd := &t.nodes[ni]
	nd.Leaf = false
	nd.Feature = fm.col
	nd.Left, nd.Right = li, ri
	nd.Gain = s.gain
	if fm.categorical {
		nd.Categorical = true
		cats := make([]int, len(s.catBins))
		for i, b := range s.catBins {
			cats[i] = fm.mapper.binToCat[b]
		}
		slices.Sort(cats)
		nd.Categories = cats
	} else {
		nd.Threshold = fm.mapper.threshold(s.thr)
		nd.DefaultLeft = s.defaultLeft
	}
	t.splits[ni] = binSplit{col: fm.col, left: left}
	t.nodes = append(t.nodes,
		Node{Leaf: true, Value: s.leftOut * shrinkage, Hessian: s.leftH},
		Node{Leaf: true, Value: s.rightOut * shrinkage, Hessian: s.rightH})
	t.splits = append(t.splits, binSplit{}, binSplit{})
	gr.leafNode[L], gr.leafNode[R] = li, ri
}

// childSlots gives the children of a split their histogram slots: the
// smaller child a free one, to be built, and the larger one the parent's,
// to become the parent's minus the smaller child's. It returns the smaller
// child and the two slots.
func (gr *grower) childSlots(L, R int) (small, smallSlot, parentSlot int) {
	small, large := L, R
	if gr.leafCnt[R] < gr.leafCnt[L] {
		small, large = R, L
	}
	parentSlot = gr.slotOf[L]
	smallSlot = gr.free[len(gr.free)-1]
	gr.free = gr.free[:len(gr.free)-1]
	gr.slotOf[small], gr.slotOf[large] = smallSlot, parentSlot
	gr.histOK[L], gr.histOK[R] = true, true
	return small, smallSlot, parentSlot
}

// childHists builds the histograms of the children L and R column by
// column.
func (gr *grower) childHists(L, R int, grad, hess []float32) {
	small, ns, ps := gr.childSlots(L, R)
	gr.buildHist(small, ns, grad, hess, false)
	ph, sh := gr.slot(ps), gr.slot(ns)
	for f := range gr.feats {
		fm := &gr.feats[f]
		subtractInto(ph[fm.off:fm.off+2*fm.numBins], sh[fm.off:fm.off+2*fm.numBins])
	}
}

// partition reorders rows so that those whose bin goes left come first,
// keeping the order within each side; it returns the number going left.
func (gr *grower) partition(col int, left []bool, rows []int32) int {
	tmp := gr.tmp[:len(rows)]
	nl, nr := 0, 0
	if b8 := gr.b.bins8; b8 != nil {
		c := b8[col]
		var lt [256]bool
		copy(lt[:], left)
		for _, r := range rows {
			if lt[c[r]] {
				rows[nl] = r
				nl++
			} else {
				tmp[nr] = r
				nr++
			}
		}
	} else {
		c := gr.b.bins16[col]
		for _, r := range rows {
			if left[c[r]] {
				rows[nl] = r
				nl++
			} else {
				tmp[nr] = r
				nr++
			}
		}
	}
	copy(rows[nl:], tmp[:nr])
	return nl
}
