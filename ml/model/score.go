package model

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// scorer evaluates an ensemble of numerical trees of at most 64 leaves the
// way QuickScorer does, without walking the trees. The leaves of each tree
// are numbered left to right and a row keeps one 64-bit word per tree of
// the leaves it may still reach. A split that sends the row right rules
// out the leaves of its left subtree; once every such split has cleared
// their bits, the lowest bit left is the leaf the walk would reach. The
// splits on one feature are sorted by their bound, so a row visits only
// those that send it right, a prefix of the list, and stops at the first
// that does not: on a deep tree of 31 leaves a row costs a few sequential
// AND operations instead of a chain of ten dependent loads. Most features
// of a row send it right nowhere (on spambase, 12 of 57 do); a bit per
// feature picks out the others without a branch (see reach).
//
// It reaches exactly the leaves the walk does and sums them in tree order.
type scorer struct {
	// conds holds per feature, by rising bound, the splits on it: a row
	// whose key (not NaN's 0) exceeds bound goes right there.
	conds []scoreCond
	// nan holds per feature the splits that send NaN right.
	nan []scoreCond
	// feature j's splits are conds[off[j]:off[j+1]] and
	// nan[nanOff[j]:nanOff[j+1]].
	off, nanOff []int32
	// low holds per feature the lowest bound of its splits (the largest
	// uint32 when it has none). Most keys of a row exceed none of their
	// feature's bounds; comparing each with low, without a branch, finds
	// the few features a row has splits to visit on.
	low []uint32
	// leaves holds the leaf values of every tree, left to right; tree t's
	// start at first[t].
	leaves []float64
	first  []int32
	// full holds a word of all leaves per tree and row, which starts each
	// group of rows: one copy sets live.
	full []uint64
}

// scoreCond is one split: a row sent right keeps only the leaves of mask
// in its word of the split's tree, at live[at] from the row's first word
// (at is the tree times scoreRows).
type scoreCond struct {
	bound uint32
	at    uint32
	mask  uint64
}

// maxScoreLeaves is the most leaves a tree may have for the scorer: one
// bit each in a word.
const maxScoreLeaves = 64

// newScorer builds the scorer of ts, or returns nil when ts has no tree
// (nothing to score; a model none of whose trees could split), a
// categorical split or a tree of more than maxScoreLeaves leaves.
func newScorer(ts *treeSet) *scorer {
	if len(ts.roots) == 0 {
		return nil
	}
	for _, k := range ts.kind {
		if k != numericTree {
			return nil
		}
	}
	s := &scorer{first: make([]int32, len(ts.roots))}
	conds := make([][]scoreCond, ts.nfeat)
	nan := make([][]scoreCond, ts.nfeat)
	for t, root := range ts.roots {
		s.first[t] = int32(len(s.leaves))
		b := scoreBuild{ts: ts, s: s, tree: uint32(t), conds: conds, nan: nan}
		if b.visit(root); b.n > maxScoreLeaves {
			return nil
		}
	}
	s.low = make([]uint32, ts.nfeat)
	for j := range ts.nfeat {
		slices.SortStableFunc(conds[j], func(a, b scoreCond) int { return cmp.Compare(a.bound, b.bound) })
		s.low[j] = math.MaxUint32
		if len(conds[j]) > 0 {
			s.low[j] = conds[j][0].bound
		}
		s.off = append(s.off, int32(len(s.conds)))
		s.conds = append(s.conds, conds[j]...)
		s.nanOff = append(s.nanOff, int32(len(s.nan)))
		s.nan = append(s.nan, nan[j]...)
	}
	s.off = append(s.off, int32(len(s.conds)))
	s.nanOff = append(s.nanOff, int32(len(s.nan)))
	s.full = make([]uint64, len(s.first)*scoreRows)
	for i := range s.full {
		s.full[i] = math.MaxUint64
	}
	return s
}

// scoreBuild numbers the leaves of one tree and collects its splits.
type scoreBuild struct {
	ts         *treeSet
	s          *scorer
	tree       uint32
	n          int // leaves numbered so far
	conds, nan [][]scoreCond
}

// visit numbers the leaves under compiled node c (^leaf for a leaf) left to
// right and returns the first number past them.
func (b *scoreBuild) visit(c int32) int {
	if c < 0 {
		b.s.leaves = append(b.s.leaves, b.ts.vals[^c])
		b.n++
		return b.n
	}
	n := b.ts.nodes[c]
	lo := b.n
	mid := b.visit(n.kids[1])
	b.visit(n.kids[0])
	if b.n > maxScoreLeaves {
		return b.n
	}
	// The left subtree holds leaves [lo, mid).
	mask := ^(uint64(math.MaxUint64) >> (64 - (mid - lo)) << lo)
	cond := scoreCond{at: b.tree * scoreRows, mask: mask}
	sub, lim := uint32(n.sub), n.lim
	if 0-sub > lim {
		b.nan[n.feat] = append(b.nan[n.feat], cond)
	}
	// A key x >= 1 goes right when x-sub > lim, that is x > lim+sub.
	if bound := uint64(lim) + uint64(sub); bound < math.MaxUint32 {
		cond.bound = uint32(bound)
		b.conds[n.feat] = append(b.conds[n.feat], cond)
	}
	return b.n
}

// scoreRows is how many rows the scorer takes at a time: their sums over
// the trees are independent chains of additions, which overlap.
const scoreRows = 8

// raw adds the raw scores of the m rows of keys (row-major, stride keys
// each) to out (m*k values). live has room for scoreRows words per tree.
func (s *scorer) raw(keys []uint32, m, stride, k int, live []uint64, out []float64) {
	nf := len(s.off) - 1
	live = live[:len(s.first)*scoreRows]
	for lo := 0; lo < m; lo += scoreRows {
		n := min(scoreRows, m-lo)
		copy(live, s.full)
		for r := range n {
			x := keys[(lo+r)*stride:]
			s.reach(x[:nf], live[r:])
		}
		s.sum(live, n, k, out[lo*k:(lo+n)*k])
	}
}

// reach clears in live (scoreRows words per tree, from the row's) the bits
// of the leaves that the row of keys x cannot reach in each tree. It takes
// the features 64 at a time: a word of bits says which of them send the row
// right at one split or more, and another which are NaN, so that it visits
// only those, without a branch per feature that the data decides.
func (s *scorer) reach(x []uint32, live []uint64) {
	for lo := 0; lo < len(x); lo += 64 {
		xs := x[lo:min(lo+64, len(x))]
		right, nan := firing(xs, s.low[lo:lo+len(xs)])
		if nan != 0 {
			s.clearNaN(nan, s.nanOff[lo:], live)
		}
		off := s.off[lo:]
		for ; right != 0; right &= right - 1 {
			j := bits.TrailingZeros64(right)
			clearRight(xs[j], s.conds[off[j]:off[j+1]], live)
		}
	}
}

// firing returns a bit per key of xs (at most 64) that exceeds the lowest
// bound low of its feature, and a bit per key that is NaN's 0 (which
// exceeds no bound). It is not inlined: inside reach the compiler keeps
// both words in memory and stores them at every key.
//
//go:noinline
func firing(xs, low []uint32) (right, nan uint64) {
	low = low[:len(xs)]
	for j, v := range xs {
		var r, n uint64
		if v > low[j] {
			r = 1
		}
		if v == 0 {
			n = 1
		}
		right |= r << (j & 63)
		nan |= n << (j & 63)
	}
	return right, nan
}

// clearNaN applies the splits that send NaN right on the features of the
// bits of nan, whose offsets in s.nan start at off.
func (s *scorer) clearNaN(nan uint64, off []int32, live []uint64) {
	for ; nan != 0; nan &= nan - 1 {
		j := bits.TrailingZeros64(nan)
		for _, c := range s.nan[off[j]:off[j+1]] {
			live[c.at] &= c.mask
		}
	}
}

// clearRight applies the splits cs of one feature, by rising bound, that
// send a row of key v right: a prefix of them. It is not inlined: inside
// reach the compiler reloads a spilled value at every split, while alone
// its loop keeps all it needs in registers.
//
//go:noinline
func clearRight(v uint32, cs []scoreCond, live []uint64) {
	for _, c := range cs {
		if v <= c.bound {
			return
		}
		live[c.at] &= c.mask
	}
}

// sum adds to out (k values per row) the leaf of each of n rows in every
// tree, in tree order: the lowest bit of its word in live.
func (s *scorer) sum(live []uint64, n, k int, out []float64) {
	if k == 1 && n == scoreRows {
		s.sum8(live, (*[scoreRows]float64)(out))
		return
	}
	c := 0
	for t, first := range s.first {
		w := live[t*scoreRows : t*scoreRows+n]
		for r, b := range w {
			out[r*k+c] += s.leaves[int(first)+bits.TrailingZeros64(b)]
		}
		if c++; c == k {
			c = 0
		}
	}
}

// sum8 is sum for one output and a full group of rows: their eight sums
// stay in registers, eight independent chains of additions, instead of
// going through memory for every tree.
func (s *scorer) sum8(live []uint64, out *[scoreRows]float64) {
	a0, a1, a2, a3, a4, a5, a6, a7 := out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]
	for t, first := range s.first {
		w := (*[scoreRows]uint64)(live[t*scoreRows:])
		l := s.leaves[first:]
		a0 += l[bits.TrailingZeros64(w[0])]
		a1 += l[bits.TrailingZeros64(w[1])]
		a2 += l[bits.TrailingZeros64(w[2])]
		a3 += l[bits.TrailingZeros64(w[3])]
		a4 += l[bits.TrailingZeros64(w[4])]
		a5 += l[bits.TrailingZeros64(w[5])]
		a6 += l[bits.TrailingZeros64(w[6])]
		a7 += l[bits.TrailingZeros64(w[7])]
	}
	out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = a0, a1, a2, a3, a4, a5, a6, a7
}
