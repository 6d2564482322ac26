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
	histOK    []bool // leaf's histogram slot is current
	featBest  []splitInfo
	og, oh    []float32

	treeFeat []bool // features allowed in the current tree
	nodeFeat []bool // features allowed at the current node
	extraThr []int
	groups   []int // feature group boundaries for histogram tasks
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
	gr.featBest = make([]splitInfo, len(gr.feats))
	gr.og = make([]float32, b.n)
	gr.oh = make([]float32, b.n)
	gr.treeFeat = make([]bool, len(gr.feats))
	gr.nodeFeat = make([]bool, len(gr.feats))
	gr.extraThr = make([]int, len(gr.feats))
	return gr
}

func (gr *grower) close() { gr.pool.close() }

// useRows switches histograms and partitions to the row-wise store (when
// every feature has 8-bit bins).
func (gr *grower) useRows(workers int) {
	gr.rows = newRowStore(gr.b, gr.feats, gr.slotSize-512, workers)
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

// buildHist fills the histogram slot s from the rows of leaf.
func (gr *grower) buildHist(leaf, s int, grad, hess []float32, identity bool) {
	h := gr.slot(s)
	begin, cnt := gr.leafBegin[leaf], gr.leafCnt[leaf]
	if gr.rows != nil {
		gr.buildHistRows(h, begin, cnt)
		return
	}
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

// findBest computes the best split of leaf from its histogram slot.
func (gr *grower) findBest(leaf int) {
	out := &gr.best[leaf]
	*out = splitInfo{feat: -1}
	p := &gr.p
	cnt := gr.leafCnt[leaf]
	if cnt < 2*max(p.MinDataInLeaf, 1) || gr.leafH[leaf] < 2*p.MinSumHessianInLeaf {
		return
	}
	if p.MaxDepth > 0 && gr.leafDepth[leaf] >= p.MaxDepth {
		return
	}
	allowed := gr.treeFeat
	if p.FeatureFractionNode < 1 {
		sampleInto(gr.nodeFeat, gr.treeFeat, p.FeatureFractionNode, gr.rng)
		allowed = gr.nodeFeat
	}
	if p.ExtraTrees {
		for f := range gr.feats {
			nb := gr.feats[f].numBins
			if gr.feats[f].hasNaN {
				nb--
			}
			gr.extraThr[f] = 0
			if nb > 2 {
				gr.extraThr[f] = gr.rng.IntN(nb - 1)
			}
		}
	}
	h := gr.slot(gr.slotOf[leaf])
	ls := leafStats{g: gr.leafG[leaf], h: gr.leafH[leaf], n: cnt}
	ls.cntFactor = float64(cnt) / ls.h
	gr.pool.forEach(len(gr.feats), len(gr.feats) >= 32, func(f int) {
		fb := &gr.featBest[f]
		*fb = splitInfo{feat: -1, catBins: fb.catBins[:0]}
		if !allowed[f] {
			return
		}
		fm := &gr.feats[f]
		hf := h[fm.off : fm.off+2*fm.numBins]
		if fm.categorical {
			gr.findCategorical(fm, hf, ls, fb)
		} else {
			extra := -1
			if p.ExtraTrees {
				extra = gr.extraThr[f]
			}
			gr.findNumerical(fm, hf, ls, extra, fb)
		}
		if fb.feat == -2 {
			fb.feat = f
		}
	})
	for f := range gr.featBest {
		fb := &gr.featBest[f]
		if fb.feat >= 0 && (out.feat < 0 || fb.gain > out.gain) {
			*out = *fb
			out.catBins = slices.Clone(fb.catBins)
		}
	}
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
	if gr.rows != nil {
		gr.rows.load(grad, hess, rows)
	}
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
		gr.buildHist(0, 0, grad, hess, identity)
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

// split splits leaf L into L (left) and R (right, a new leaf).
func (gr *grower) split(L, R int, grad, hess []float32, shrinkage float64, more bool) {
	s := gr.best[L]
	fm := &gr.feats[s.feat]
	left := make([]bool, fm.numBins)
	if fm.categorical {
		for _, b := range s.catBins {
			left[b] = true
		}
	} else {
		for b := 0; b <= s.thr; b++ {
			left[b] = true
		}
		if fm.hasNaN {
			left[fm.numBins-1] = s.defaultLeft
		}
	}
	// Partition the rows of L, stably.
	begin, cnt := gr.leafBegin[L], gr.leafCnt[L]
	var nl int
	if gr.rows != nil {
		nl = gr.partitionRows(s.feat, left, begin, cnt)
	} else {
		nl = gr.partition(fm.col, left, gr.idx[begin:begin+cnt])
	}
	gr.leafBegin[R] = begin + nl
	gr.leafCnt[L], gr.leafCnt[R] = nl, cnt-nl
	gr.leafG[L], gr.leafH[L] = s.leftG, s.leftH
	gr.leafG[R], gr.leafH[R] = s.rightG, s.rightH
	d := gr.leafDepth[L] + 1
	gr.leafDepth[L], gr.leafDepth[R] = d, d

	// Turn the leaf node into a split node with two leaf children.
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
		Node{Leaf: true, Value: s.leftOut * shrinkage, Hessian: s.leftH, Count: nl},
		Node{Leaf: true, Value: s.rightOut * shrinkage, Hessian: s.rightH, Count: cnt - nl})
	t.splits = append(t.splits, binSplit{}, binSplit{})
	gr.leafNode[L], gr.leafNode[R] = li, ri

	if !more {
		gr.best[L] = splitInfo{feat: -1}
		gr.best[R] = splitInfo{feat: -1}
		gr.histOK[L], gr.histOK[R] = false, false
		return
	}
	// Histograms: build the smaller child, subtract for the larger.
	small, large := L, R
	if gr.leafCnt[R] < gr.leafCnt[L] {
		small, large = R, L
	}
	parentSlot := gr.slotOf[L]
	ns := gr.free[len(gr.free)-1]
	gr.free = gr.free[:len(gr.free)-1]
	gr.buildHist(small, ns, grad, hess, false)
	// The parent slot becomes the larger child (only the used bins).
	ph, sh := gr.slot(parentSlot), gr.slot(ns)
	for f := range gr.feats {
		fm := &gr.feats[f]
		subtractInto(ph[fm.off:fm.off+2*fm.numBins], sh[fm.off:fm.off+2*fm.numBins])
	}
	gr.slotOf[large] = parentSlot
	gr.slotOf[small] = ns
	gr.histOK[L], gr.histOK[R] = true, true
	gr.findBest(L)
	gr.findBest(R)
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
