package model

import "math"

// The kinds of tree, each walked by its own loop.
const (
	numericTree  = iota // numerical splits only
	categoryTree        // also categorical splits with one-word sets
	wideTree            // also wide categorical splits
)

// walkBuf is the scratch space of treeSet.raw.
type walkBuf struct {
	// idx and act hold a node and an active row per row of a block.
	idx, act []int32
	// live holds scoreRows words per tree for the scorer.
	live []uint64
}

func newWalkBuf(rows, trees int) walkBuf {
	return walkBuf{idx: make([]int32, rows), act: make([]int32, rows), live: make([]uint64, trees*scoreRows)}
}

// raw adds the raw scores of the m rows of keys (row-major, stride keys
// each) to out (m*k values, which the caller fills with init first). w has
// room for m rows and every tree.
func (ts *treeSet) raw(keys []uint32, m int, w *walkBuf, out []float64) {
	k, stride := ts.k, ts.stride()
	keys = keys[:m*stride]
	out = out[:m*k]
	if ts.score != nil {
		ts.score.raw(keys, m, stride, k, w.live, out)
		return
	}
	idx := w.idx[:m]
	act := w.act[:m]
	for t, root := range ts.roots {
		switch {
		case root < 0:
			for r := range idx {
				idx[r] = root
			}
		case ts.kind[t] == wideTree:
			for r := range idx {
				idx[r] = root
				act[r] = int32(r)
			}
			ts.walkWide(keys, stride, idx, act)
		default:
			w := ts.splitRoot(root, keys, stride, idx, act)
			if ts.kind[t] == numericTree {
				walkNumeric(ts.nodes, keys, stride, idx, act[:w])
			} else {
				walkCategory(ts.nodes, ts.masks, keys, stride, idx, act[:w])
			}
		}
		c := t % k
		vals := ts.vals
		for r, i := range idx {
			out[r*k+c] += vals[^i]
		}
	}
}

// splitRoot sends every row (len(idx) of them) through the root split of a
// tree without wide sets: idx[r] becomes the child row r goes to, and act
// lists the rows there at splits; it returns their number.
func (ts *treeSet) splitRoot(root int32, keys []uint32, stride int, idx, act []int32) int {
	n := ts.nodes[root]
	mask := ts.masks[root]
	feat, sub, lim := int(n.feat), uint32(n.sub), n.lim
	act = act[:len(idx)]
	w := 0
	for r := range idx {
		x := keys[r*stride+feat]
		var l uint32
		if x-sub <= lim {
			l = 1
		}
		l &= uint32(mask >> (x & 63))
		c := n.kids[l&1]
		idx[r] = c
		act[w] = int32(r)
		w += int(uint32(^c) >> 31)
	}
	return w
}

// walkNumeric moves the rows listed in act (all at splits) down to their
// leaves, a level at a time, in a tree of numerical splits; after each
// level act lists the rows still at splits (it is overwritten).
func walkNumeric(nodes []tnode, keys []uint32, stride int, idx, act []int32) {
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			i := idx[r]
			n := &nodes[i]
			x := keys[int(r)*stride+int(n.feat)]
			var l uint32
			if x-uint32(n.sub) <= n.lim {
				l = 1
			}
			c := n.kids[l&1]
			idx[r] = c
			act[w] = r
			w += int(uint32(^c) >> 31) // stays active at a split (c >= 0)
		}
		act = act[:w]
	}
}

// walkCategory is walkNumeric for a tree with one-word categorical sets.
func walkCategory(nodes []tnode, masks []uint64, keys []uint32, stride int, idx, act []int32) {
	masks = masks[:len(nodes)]
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			i := idx[r]
			n := &nodes[i]
			x := keys[int(r)*stride+int(n.feat)]
			var l uint32
			if x-uint32(n.sub) <= n.lim {
				l = 1
			}
			l &= uint32(masks[i] >> (x & 63))
			c := n.kids[l&1]
			idx[r] = c
			act[w] = r
			w += int(uint32(^c) >> 31)
		}
		act = act[:w]
	}
}

// walkWide is walkCategory for a tree with wide categorical sets. It stays a
// separate copy so that walkCategory's hot loop carries no wide-set branch.
func (ts *treeSet) walkWide(keys []uint32, stride int, idx, act []int32) {
	nodes, masks := ts.nodes, ts.masks
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			i := idx[r]
			n := &nodes[i]
			x := keys[int(r)*stride+int(n.feat)]
			var l uint32
			if n.wide != 0 {
				if ts.wideLeft(i, x) {
					l = 1
				}
			} else {
				if x-uint32(n.sub) <= n.lim {
					l = 1
				}
				l &= uint32(masks[i] >> (x & 63))
			}
			c := n.kids[l&1]
			idx[r] = c
			act[w] = r
			w += int(uint32(^c) >> 31)
		}
		act = act[:w]
	}
}

// predictRow predicts one row of features x into out (k values) as gbdt.Model.Predict does on
// their float32-rounded values, by the scorer, which ts must have: it visits the few splits
// that send the row right, where a walk from each root waits on a chain of dependent loads.
// (Trees the scorer cannot take are better walked one row by gbdt than by the block walk,
// which is built for many rows.) keys holds a row's keys and w one row, as scratch.
func (ts *treeSet) predictRow(x []float64, keys []uint32, w *walkBuf, out []float64) {
	keys = keys[:ts.stride()]
	ts.setKeys(keys, x)
	out = out[:ts.k]
	copy(out, ts.init)
	ts.raw(keys, 1, w, out)
	ts.transformRows(out)
}

// transformRows applies the model's transform to each row of out in place,
// as gbdt.Model.Predict does.
func (ts *treeSet) transformRows(out []float64) {
	switch ts.transform {
	case "sigmoid":
		for i, v := range out {
			out[i] = 1 / (1 + math.Exp(-v))
		}
	case "softmax":
		k := ts.k
		for r := 0; r+k <= len(out); r += k {
			softmax(out[r : r+k])
		}
	}
}

// softmax is gbdt's: exp(v - max) normalized.
func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = max(mx, x)
	}
	s := 0.0
	for i, x := range v {
		e := math.Exp(x - mx)
		v[i] = e
		s += e
	}
	for i := range v {
		v[i] /= s
	}
}
