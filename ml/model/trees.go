package model

import (
	"math"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// treeSet is a tree ensemble compiled for batch prediction over blocks of
// rows. Every feature value is first turned into a 32-bit key (see keyOf),
// and every split decides with the same branch-free step on it. A tree
// moves all rows of a block one level at a time: the rows of a level are
// independent, so the processor overlaps their memory loads, and a row
// that reaches a leaf leaves the list of active rows, so each row takes as
// many steps as its own path is long (see walk.go). The first level, the
// root split, is the same for every row: it is read once and the rows pass
// through it in order. Ensembles of numerical trees of at most 64 leaves
// are not walked but scored (see scorer).
//
// It predicts exactly what gbdt.Model.Predict gives on float32-rounded
// inputs: the same leaves, summed in the same order.
type treeSet struct {
	nodes []tnode
	// masks holds per split its category mask (see tnode).
	masks []uint64
	// vals holds the leaf values; a child index c < 0 is leaf ^c.
	vals []float64
	// roots holds per tree its root split, or ^leaf for a one-leaf tree.
	roots []int32
	k     int
	init  []float64
	// transform is gbdt's: sigmoid, softmax or identity.
	transform string
	nfeat     int
	// cat marks the features read by categorical splits.
	cat []bool
	// kind of each tree: numericTree, categoryTree or wideTree.
	kind []uint8
	// wide holds the bitsets of categorical splits with a code of
	// catLimit or more.
	wide []uint64
	// score evaluates the trees instead of walking them when they allow
	// it (see scorer), nil otherwise.
	score *scorer
}

// tnode is one compiled split (16 bytes, four to a cache line). A row
// goes to kids[1] (the left child) when its key x passes both tests,
// x-sub <= lim (unsigned, wrapping; see keyOf) and bit x&63 of the split's
// mask in treeSet.masks: a numerical split has an all-ones mask, a
// one-word categorical one sub 0 and lim catLimit-1, so codes of catLimit
// or more go right whatever the mask says. A child index c < 0 is the leaf
// ^c.
type tnode struct {
	lim  uint32
	feat uint16
	sub  uint8
	// wide is 1 for a categorical split with codes of catLimit or more;
	// its mask is offset<<32 | words of its bitset in treeSet.wide.
	wide uint8
	// kids are the right and the left child.
	kids [2]int32
}

// Categorical split sets whose codes are all below catLimit are bitmasks
// of one word (larger codes fail the lim test and go right, as in gbdt);
// wider sets are bitsets of several words, reached through a branch that
// such rare nodes make predictable.
const catLimit = 64

// compileTrees compiles m, or returns false for models outside what the
// block form handles (more than 65535 features, or a feature read both as
// a number and as a category); those predict through gbdt.Model.Predict.
func compileTrees(m *gbdt.Model) (*treeSet, bool) {
	nf := len(m.Features)
	if nf > math.MaxUint16 {
		return nil, false
	}
	ts := &treeSet{k: max(m.TreesPerIteration, 1), transform: m.Transform, nfeat: nf, cat: make([]bool, nf)}
	ts.init = make([]float64, ts.k)
	copy(ts.init, m.InitScore)
	num := make([]bool, nf)
	for t := range m.Trees {
		nodes := m.Trees[t].Nodes
		if len(nodes) == 0 {
			ts.roots = append(ts.roots, ^int32(len(ts.vals)))
			ts.vals = append(ts.vals, 0)
			ts.kind = append(ts.kind, numericTree)
			continue
		}
		// ref maps a node to its compiled split or ^leaf.
		ref := make([]int32, len(nodes))
		next := int32(len(ts.nodes))
		for i := range nodes {
			if nodes[i].Leaf {
				ref[i] = ^int32(len(ts.vals))
				ts.vals = append(ts.vals, nodes[i].Value)
			} else {
				ref[i] = next
				next++
			}
		}
		kind := uint8(numericTree)
		for i := range nodes {
			n := &nodes[i]
			if n.Leaf {
				continue
			}
			tn := tnode{lim: math.MaxUint32, feat: uint16(n.Feature), kids: [2]int32{ref[n.Right], ref[n.Left]}}
			mask := uint64(math.MaxUint64)
			if n.Categorical {
				ts.cat[n.Feature] = true
				var ok bool
				if mask, ok = catSplit(&tn, n.Categories, &ts.wide); !ok {
					return nil, false
				}
				kind = max(kind, categoryTree+tn.wide)
			} else {
				num[n.Feature] = true
				tn.sub, tn.lim = numericSplit(n.Threshold, n.DefaultLeft)
			}
			ts.nodes = append(ts.nodes, tn)
			ts.masks = append(ts.masks, mask)
		}
		ts.roots = append(ts.roots, ref[0])
		ts.kind = append(ts.kind, kind)
	}
	for j := range nf {
		if num[j] && ts.cat[j] {
			return nil, false
		}
	}
	ts.score = newScorer(ts)
	return ts, true
}

// catSplit sets lim and wide of tn for a categorical split and returns its
// mask: a one-word mask, or for a wide set offset<<32 | words of a bitset
// appended to wide.
func catSplit(tn *tnode, cats []int, wide *[]uint64) (uint64, bool) {
	maxc := 0
	for _, c := range cats {
		if c < 0 {
			return 0, false
		}
		maxc = max(maxc, c)
	}
	if maxc < catLimit {
		tn.lim = catLimit - 1
		var mask uint64
		for _, c := range cats {
			mask |= 1 << uint(c)
		}
		return mask, true
	}
	words := maxc/64 + 1
	tn.wide = 1
	mask := uint64(len(*wide))<<32 | uint64(words)
	bs := make([]uint64, words)
	for _, c := range cats {
		bs[c/64] |= 1 << (uint(c) % 64)
	}
	*wide = append(*wide, bs...)
	return mask, true
}

// Keys: a number's key is 0 for NaN, else 1 + the order-preserving map of
// its float32 bits (-0 as +0). A numerical split "v <= t" with NaN going
// right has sub 1 and lim the order key of the largest float32 not above
// t: NaN's key wraps to the largest value, which no lim reaches. With NaN
// going left, sub is 0 and lim is that order key + 1, which NaN's 0 never
// exceeds. For every float32 v, v <= t exactly when v <= floor32(t), so
// splits decide as gbdt does in float64 on the same float32-rounded input.

// orderKey32 maps float32 bits to a uint32 whose unsigned order is the
// float order (for non-NaN values).
func orderKey32(bits uint32) uint32 {
	return bits ^ (uint32(int32(bits)>>31) | 1<<31)
}

// keyOf returns the key of a numerical feature value.
func keyOf(v float64) uint32 {
	// Adding +0 turns -0 into +0 and leaves every other value as it is,
	// without a branch, which data mixing zeros and other values would
	// mispredict.
	f := float32(v) + 0
	if f != f {
		return 0
	}
	return orderKey32(math.Float32bits(f)) + 1
}

// catKeyOf returns the key of a categorical feature value: its category
// code (the float32-rounded value truncated, as gbdt reads it) when in
// [0, 2^31), else the largest uint32, which no set holds.
func catKeyOf(v float64) uint32 {
	f := float64(float32(v))
	if f >= 0 && f < 1<<31 {
		return uint32(f)
	}
	return math.MaxUint32
}

// wideLeft reports whether code x goes left at wide categorical split i.
func (ts *treeSet) wideLeft(i int32, x uint32) bool {
	off, words := uint32(ts.masks[i]>>32), uint32(ts.masks[i])
	w := x / 64
	return w < words && ts.wide[off+w]&(1<<(x%64)) != 0
}

// numericSplit returns sub and lim of a numerical split (see the keys).
func numericSplit(t float64, defaultLeft bool) (uint8, uint32) {
	if t != t {
		// v <= NaN never holds: only NaN may go left.
		if defaultLeft {
			return 0, 0
		}
		return 1, 0
	}
	f := float32(t)
	if float64(f) > t {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	if f == 0 {
		f = 0
	}
	lim := orderKey32(math.Float32bits(f))
	if defaultLeft {
		return 0, lim + 1
	}
	return 1, lim
}

// setKeys writes the keys of one row of features x into dst.
func (ts *treeSet) setKeys(dst []uint32, x []float64) {
	dst = dst[:len(x)]
	cat := ts.cat[:len(x)]
	for j, v := range x {
		if cat[j] {
			dst[j] = catKeyOf(v)
		} else {
			dst[j] = keyOf(v)
		}
	}
}

// stride is the number of keys per row (at least 1).
func (ts *treeSet) stride() int { return max(ts.nfeat, 1) }
