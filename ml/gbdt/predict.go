package gbdt

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// predictor is a compact, flattened form of a Model for fast prediction.
type predictor struct {
	nodes     []pnode
	leaves    []float64
	roots     []int32 // per tree: node index, or ^leaf for a single-leaf tree
	cats      []uint64
	k         int
	init      []float64
	transform string
	nfeat     int
}

type pnode struct {
	threshold   float64
	key         uint64 // orderKey of the threshold
	defaultLeft uint64 // 1 when NaN goes left
	feature     int32
	left, right int32 // node index, or ^leaf index
	flags       uint32
	catOff      int32 // offset of the category bitset in cats
	catWords    int32
}

// orderKey maps float64 bits to a uint64 whose unsigned order is the float
// order (-0 just below +0; callers normalize zero thresholds to +0).
func orderKey(bits uint64) uint64 {
	return bits ^ (uint64(int64(bits)>>63) | 1<<63)
}

const (
	flagDefaultLeft = 1
	flagCategorical = 2
)

func compile(m *Model) *predictor {
	p := &predictor{k: m.TreesPerIteration, init: m.InitScore, transform: m.Transform, nfeat: len(m.Features)}
	if p.k < 1 {
		p.k = 1
	}
	if len(p.init) < p.k {
		init := make([]float64, p.k)
		copy(init, p.init)
		p.init = init
	}
	for ti := range m.Trees {
		nodes := m.Trees[ti].Nodes
		base := int32(len(p.nodes))
		// Map node index -> compiled index (internal) or ^leaf.
		ref := make([]int32, len(nodes))
		ni := base
		for i := range nodes {
			if nodes[i].Leaf {
				ref[i] = ^int32(len(p.leaves))
				p.leaves = append(p.leaves, nodes[i].Value)
			} else {
				ref[i] = ni
				ni++
			}
		}
		for i := range nodes {
			n := &nodes[i]
			if n.Leaf {
				continue
			}
			t := n.Threshold
			if t == 0 {
				t = 0 // -0 -> +0: -0 <= t and +0 <= t must both hold
			}
			pn := pnode{threshold: n.Threshold, key: orderKey(math.Float64bits(t)), feature: int32(n.Feature), left: ref[n.Left], right: ref[n.Right]}
			if n.DefaultLeft {
				pn.flags |= flagDefaultLeft
				pn.defaultLeft = 1
			}
			if n.Categorical {
				pn.flags |= flagCategorical
				maxc := 0
				for _, c := range n.Categories {
					maxc = max(maxc, c)
				}
				words := maxc/64 + 1
				pn.catOff = int32(len(p.cats))
				pn.catWords = int32(words)
				bs := make([]uint64, words)
				for _, c := range n.Categories {
					bs[c/64] |= 1 << (uint(c) % 64)
				}
				p.cats = append(p.cats, bs...)
			}
			p.nodes = append(p.nodes, pn)
		}
		if len(nodes) == 0 {
			p.roots = append(p.roots, ^int32(len(p.leaves)))
			p.leaves = append(p.leaves, 0)
		} else {
			p.roots = append(p.roots, ref[0])
		}
	}
	return p
}

func (m *Model) predictor() *predictor {
	if p := m.compiled.Load(); p != nil {
		return p
	}
	p := compile(m)
	m.compiled.Store(p)
	return p
}

// evalTree returns the leaf value reached by x from root r (one row: the
// branchy walk lets the CPU speculate down the likely path).
func (p *predictor) evalTree(r int32, x []float64) float64 {
	nodes := p.nodes
	i := r
	for i >= 0 {
		n := &nodes[i]
		v := x[n.feature]
		if n.flags&flagCategorical != 0 {
			i = p.catStep(n, v)
			continue
		}
		if v <= n.threshold {
			i = n.left
		} else if v != v && n.defaultLeft != 0 {
			i = n.left
		} else {
			i = n.right
		}
	}
	return p.leaves[^i]
}

// catStep routes v at a categorical node.
func (p *predictor) catStep(n *pnode, v float64) int32 {
	if v >= 0 && v < float64(n.catWords)*64 {
		c := int32(v)
		if p.cats[n.catOff+c/64]&(1<<(uint32(c)%64)) != 0 {
			return n.left
		}
	}
	return n.right
}

func (p *predictor) raw(x []float64, out []float64) {
	k := p.k
	out = out[:k]
	copy(out, p.init)
	roots := p.roots
	if k == 1 {
		s := out[0]
		for _, r := range roots {
			s += p.evalTree(r, x)
		}
		out[0] = s
		return
	}
	for t, r := range roots {
		out[t%k] += p.evalTree(r, x)
	}
}

func (p *predictor) transformInPlace(out []float64) {
	switch p.transform {
	case "sigmoid":
		for i, v := range out {
			out[i] = 1 / (1 + math.Exp(-v))
		}
	case "softmax":
		softmax(out)
	}
}

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

// NumOutputs returns the number of values Predict and PredictRaw write per
// row: TreesPerIteration (1 for binary and regression, K for multiclass).
func (m *Model) NumOutputs() int { return max(m.TreesPerIteration, 1) }

// PredictRaw writes the raw scores of one row x (raw feature values, NaN =
// missing, len(x) == len(m.Features)) into out[:m.NumOutputs()]. It does
// not allocate after the first call and is safe for concurrent use.
func (m *Model) PredictRaw(x []float64, out []float64) {
	m.predictor().raw(x, out)
}

// Predict writes the transformed predictions of one row into
// out[:m.NumOutputs()]: the probability of class 1 (binary), class
// probabilities (multiclass) or the value (regression).
func (m *Model) Predict(x []float64, out []float64) {
	p := m.predictor()
	p.raw(x, out)
	p.transformInPlace(out[:p.k])
}

// PredictColumns predicts every row of column-major input cols (one slice per
// feature, all of length n) and returns n*NumOutputs() values, row-major. With
// raw true it returns raw scores, else transformed predictions. Work is split
// across GOMAXPROCS goroutines; results do not depend on the split.
func (m *Model) PredictColumns(cols [][]float64, raw bool) ([]float64, error) {
	p := m.predictor()
	if len(cols) != p.nfeat {
		return nil, fmt.Errorf("predict: got %d columns, want %d", len(cols), p.nfeat)
	}
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	for j, c := range cols {
		if len(c) != n {
			return nil, fmt.Errorf("predict: column %d has %d rows, want %d", j, len(c), n)
		}
	}
	out := make([]float64, n*p.k)
	const block = 64
	nblocks := (n + block - 1) / block
	workers := min(runtime.GOMAXPROCS(0), nblocks)
	var wg sync.WaitGroup
	var next sync.Mutex
	nb := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs := make([]float64, block*p.nfeat)
			for {
				next.Lock()
				b := nb
				nb++
				next.Unlock()
				if b >= nblocks {
					return
				}
				lo, hi := b*block, min((b+1)*block, n)
				p.block(cols, lo, hi, xs, out[lo*p.k:hi*p.k], raw)
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// PredictDataset is PredictColumns on the feature values of d.
func (m *Model) PredictDataset(d *Dataset, raw bool) ([]float64, error) {
	cols := make([][]float64, len(d.Features))
	for i := range d.Features {
		cols[i] = d.Features[i].Values
	}
	return m.PredictColumns(cols, raw)
}

// block predicts rows [lo, hi) tree by tree, so each tree's nodes stay in
// cache while the rows pass through it. out holds (hi-lo)*k values.
func (p *predictor) block(cols [][]float64, lo, hi int, xs []float64, out []float64, raw bool) {
	nf, k := p.nfeat, p.k
	m := hi - lo
	xs = xs[:m*nf]
	for j, c := range cols {
		c = c[lo:hi]
		for r, v := range c {
			xs[r*nf+j] = v
		}
	}
	for r := 0; r < m; r++ {
		copy(out[r*k:(r+1)*k], p.init)
	}
	for t, root := range p.roots {
		c := t % k
		r := 0
		for ; r+4 <= m; r += 4 {
			v0, v1, v2, v3 := p.eval4(root, xs[r*nf:(r+4)*nf], nf)
			out[r*k+c] += v0
			out[(r+1)*k+c] += v1
			out[(r+2)*k+c] += v2
			out[(r+3)*k+c] += v3
		}
		for ; r < m; r++ {
			out[r*k+c] += p.evalTree(root, xs[r*nf:(r+1)*nf])
		}
	}
	if !raw {
		for r := 0; r < m; r++ {
			p.transformInPlace(out[r*k : (r+1)*k])
		}
	}
}

// step moves one row from internal node i (i >= 0) to a child; a leaf
// (i < 0) stays where it is.
func (p *predictor) step(i int32, x []float64) int32 {
	if i < 0 {
		return i
	}
	n := &p.nodes[i]
	v := x[n.feature]
	if n.flags&flagCategorical != 0 {
		return p.catStep(n, v)
	}
	bits := math.Float64bits(v)
	var le, nan uint64
	if orderKey(bits) <= n.key {
		le = 1
	}
	if bits&^(1<<63) > 0x7FF0000000000000 {
		nan = 1
	}
	left := (le &^ nan) | (nan & n.defaultLeft)
	return n.right + (n.left-n.right)*int32(left)
}

// eval4 walks four rows (xs holds 4*nf values) through one tree in
// lockstep, so their independent dependency chains overlap.
func (p *predictor) eval4(root int32, xs []float64, nf int) (float64, float64, float64, float64) {
	x0, x1, x2, x3 := xs[:nf], xs[nf:2*nf], xs[2*nf:3*nf], xs[3*nf:4*nf]
	i0, i1, i2, i3 := root, root, root, root
	for (i0 & i1 & i2 & i3) >= 0 { // until all four reached a leaf (negative)
		i0 = p.step(i0, x0)
		i1 = p.step(i1, x1)
		i2 = p.step(i2, x2)
		i3 = p.step(i3, x3)
	}
	return p.leaves[^i0], p.leaves[^i1], p.leaves[^i2], p.leaves[^i3]
}
