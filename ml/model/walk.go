package model

import "math"

// The kinds of tree, each walked by its own loop.
const (
	numericTree  = iota // numerical splits only
	categoryTree        // also categorical splits with one-word sets
	wideTree            // also wide categorical splits
)

// raw adds the raw scores of the m rows of keys (row-major, stride keys
// each) to out (m*k values, which the caller fills with init first). idx
// and act have room for m values.
func (ts *treeSet) raw(keys []uint32, m int, idx, act []int32, out []float64) {
	k, stride := ts.k, ts.stride()
	keys = keys[:m*stride]
	idx = idx[:m]
	act = act[:m]
	out = out[:m*k]
	for t, root := range ts.roots {
		for r := range idx {
			idx[r] = root
		}
		if root >= 0 {
			for r := range act {
				act[r] = int32(r)
			}
			switch ts.kind[t] {
			case numericTree:
				walkNumeric(ts.nodes, keys, stride, idx, act)
			case categoryTree:
				walkCategory(ts.nodes, keys, stride, idx, act)
			default:
				ts.walkWide(keys, stride, idx, act)
			}
		}
		c := t % k
		vals := ts.vals
		for r, i := range idx {
			out[r*k+c] += vals[^i]
		}
	}
}

// walkNumeric moves the rows listed in act (all at splits) down to their
// leaves, a level at a time, in a tree of numerical splits; after each
// level act lists the rows still at splits (it is overwritten).
func walkNumeric(nodes []tnode, keys []uint32, stride int, idx, act []int32) {
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			n := &nodes[idx[r]]
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
func walkCategory(nodes []tnode, keys []uint32, stride int, idx, act []int32) {
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			n := &nodes[idx[r]]
			x := keys[int(r)*stride+int(n.feat)]
			var l uint32
			if x-uint32(n.sub) <= n.lim {
				l = 1
			}
			l &= uint32(n.mask >> min(x, catLimit))
			c := n.kids[l&1]
			idx[r] = c
			act[w] = r
			w += int(uint32(^c) >> 31)
		}
		act = act[:w]
	}
}

// walkWide is walkCategory for a tree with wide categorical sets.
func (ts *treeSet) walkWide(keys []uint32, stride int, idx, act []int32) {
	nodes := ts.nodes
	for len(act) > 0 {
		w := 0
		for _, r := range act {
			n := &nodes[idx[r]]
			x := keys[int(r)*stride+int(n.feat)]
			var l uint32
			if n.wide != 0 {
				if ts.wideLeft(n, x) {
					l = 1
				}
			} else {
				if x-uint32(n.sub) <= n.lim {
					l = 1
				}
				l &= uint32(n.mask >> min(x, catLimit))
			}
			c := n.kids[l&1]
			idx[r] = c
			act[w] = r
			w += int(uint32(^c) >> 31)
		}
		act = act[:w]
	}
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
