package explain

import (
	"github.com/trainyard/trainyard/ml/gbdt"
)

// TreeExplainer computes TreeSHAP contributions for a tree ensemble. It is
// safe for concurrent use.
type TreeExplainer struct {
	m        *gbdt.Model
	k, nfeat int
	// expected is the expected raw score per output: the init score plus
	// each tree's cover-weighted mean leaf value.
	expected []float64
	// pathLen is the size of the path arena one row needs.
	pathLen int
}

// NewTreeExplainer prepares m (a valid model: every tree a proper tree
// rooted at node 0) for explanation.
func NewTreeExplainer(m *gbdt.Model) *TreeExplainer {
	e := &TreeExplainer{m: m, k: max(m.TreesPerIteration, 1), nfeat: len(m.Features)}
	e.expected = make([]float64, e.k)
	copy(e.expected, m.InitScore)
	depth := 0
	for t := range m.Trees {
		nodes := m.Trees[t].Nodes
		if len(nodes) == 0 {
			continue
		}
		e.expected[t%e.k] += treeExpectation(nodes, 0)
		depth = max(depth, treeDepth(nodes, 0))
	}
	e.pathLen = (depth + 2) * (depth + 3) / 2
	return e
}

// Expected returns the expected raw score of each output (the base value
// the contributions start from).
func (e *TreeExplainer) Expected() []float64 { return e.expected }

// NumOutputs is the number of outputs (K for multiclass, else 1).
func (e *TreeExplainer) NumOutputs() int { return e.k }

// Explain writes the contributions of row x (raw feature values, as the
// model's predictor takes them) into phi, which needs NumOutputs()*(F+1)
// values: for output k, phi[k*(F+1)+j] is the contribution of feature j and
// phi[k*(F+1)+F] the expected value, so each block sums to the raw score.
func (e *TreeExplainer) Explain(x []float64, phi []float64) {
	f1 := e.nfeat + 1
	phi = phi[:e.k*f1]
	clear(phi)
	for k := range e.k {
		phi[k*f1+e.nfeat] = e.expected[k]
	}
	w := walker{x: x, path: make([]pathElem, e.pathLen)}
	for t := range e.m.Trees {
		nodes := e.m.Trees[t].Nodes
		if len(nodes) < 2 {
			continue // a single leaf is all expectation
		}
		k := t % e.k
		w.nodes, w.phi, w.top = nodes, phi[k*f1:k*f1+e.nfeat], 0
		w.recurse(0, nil, 1, 1, -1)
	}
}

// ExplainOutput writes the contributions of row x to output k only into
// phi (F+1 values, the last the expected value of output k): for a
// multiclass model it visits one tree in K.
func (e *TreeExplainer) ExplainOutput(x []float64, k int, phi []float64) {
	phi = phi[:e.nfeat+1]
	clear(phi)
	phi[e.nfeat] = e.expected[k]
	w := walker{x: x, path: make([]pathElem, e.pathLen)}
	for t := k; t < len(e.m.Trees); t += e.k {
		nodes := e.m.Trees[t].Nodes
		if len(nodes) < 2 {
			continue
		}
		w.nodes, w.phi, w.top = nodes, phi[:e.nfeat], 0
		w.recurse(0, nil, 1, 1, -1)
	}
}

// fractions returns the fractions of a node's cover that go to each child.
func fractions(nodes []gbdt.Node, n *gbdt.Node) (left, right float64) {
	l, r := cover(&nodes[n.Left]), cover(&nodes[n.Right])
	if l+r <= 0 {
		return 0.5, 0.5
	}
	return l / (l + r), r / (l + r)
}

func cover(n *gbdt.Node) float64 {
	if n.Hessian > 0 {
		return n.Hessian
	}
	if n.Count > 0 {
		return float64(n.Count)
	}
	return 0
}

func treeExpectation(nodes []gbdt.Node, i int) float64 {
	n := &nodes[i]
	if n.Leaf {
		return n.Value
	}
	fl, fr := fractions(nodes, n)
	return fl*treeExpectation(nodes, n.Left) + fr*treeExpectation(nodes, n.Right)
}

func treeDepth(nodes []gbdt.Node, i int) int {
	n := &nodes[i]
	if n.Leaf {
		return 0
	}
	return 1 + max(treeDepth(nodes, n.Left), treeDepth(nodes, n.Right))
}

// pathElem is one feature on the current root-to-node path: the fraction of
// "zero" paths (feature left out) and "one" paths (feature kept) that flow
// through, and the permutation weight w.
type pathElem struct {
	d    int
	z, o float64
	w    float64
}

type walker struct {
	nodes []gbdt.Node
	x     []float64
	phi   []float64
	path  []pathElem // arena: each recursion level copies its path here
	top   int
}

func (w *walker) recurse(j int, parent []pathElem, pz, po float64, pi int) {
	l := len(parent)
	m := w.path[w.top : w.top+l+1 : w.top+l+1]
	w.top += l + 1
	copy(m, parent)
	extend(m, l, pz, po, pi)
	n := &w.nodes[j]
	if n.Leaf {
		for i := 1; i < len(m); i++ {
			w.phi[m[i].d] += unwoundSum(m, i) * (m[i].o - m[i].z) * n.Value
		}
		w.top -= l + 1
		return
	}
	fl, fr := fractions(w.nodes, n)
	hot, cold, fh, fc := n.Right, n.Left, fr, fl
	if n.GoesLeft(w.x[n.Feature]) {
		hot, cold, fh, fc = n.Left, n.Right, fl, fr
	}
	iz, io := 1.0, 1.0
	for k := 1; k < len(m); k++ {
		if m[k].d == n.Feature {
			iz, io = m[k].z, m[k].o
			m = unwind(m, k)
			break
		}
	}
	w.recurse(hot, m, iz*fh, io, n.Feature)
	if iz*fc > 0 {
		w.recurse(cold, m, iz*fc, 0, n.Feature)
	}
	w.top -= l + 1
}

// extend adds a feature with fractions pz, po to the path m[:l] (m has room
// for l+1 elements) and updates the permutation weights.
func extend(m []pathElem, l int, pz, po float64, pi int) {
	m[l] = pathElem{d: pi, z: pz, o: po}
	if l == 0 {
		m[l].w = 1
	}
	for i := l - 1; i >= 0; i-- {
		m[i+1].w += po * m[i].w * float64(i+1) / float64(l+1)
		m[i].w = pz * m[i].w * float64(l-i) / float64(l+1)
	}
}

// unwind removes element i from the path, undoing its extend.
func unwind(m []pathElem, i int) []pathElem {
	l := len(m) - 1
	n := m[l].w
	o, z := m[i].o, m[i].z
	for j := l - 1; j >= 0; j-- {
		if o != 0 {
			t := m[j].w
			m[j].w = n * float64(l+1) / (float64(j+1) * o)
			n = t - m[j].w*z*float64(l-j)/float64(l+1)
		} else {
			m[j].w = m[j].w * float64(l+1) / (z * float64(l-j))
		}
	}
	for j := i; j < l; j++ {
		m[j].d, m[j].z, m[j].o = m[j+1].d, m[j+1].z, m[j+1].o
	}
	return m[:l]
}

// unwoundSum is the total weight of the path with element i unwound,
// without modifying it.
func unwoundSum(m []pathElem, i int) float64 {
	l := len(m) - 1
	o, z := m[i].o, m[i].z
	total := 0.0
	if o != 0 {
		n := m[l].w
		for j := l - 1; j >= 0; j-- {
			t := n * float64(l+1) / (float64(j+1) * o)
			total += t
			n = m[j].w - t*z*float64(l-j)/float64(l+1)
		}
		return total
	}
	for j := l - 1; j >= 0; j-- {
		total += m[j].w * float64(l+1) / (z * float64(l-j))
	}
	return total
}
