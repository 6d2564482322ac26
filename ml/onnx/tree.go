package onnx

import (
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// ensemble holds the nodes_* and class_*/target_* arrays of an ai.onnx.ml
// TreeEnsembleClassifier or TreeEnsembleRegressor.
type ensemble struct {
	treeIDs, nodeIDs, featureIDs []int64
	modes                        []string
	values                       []float32
	trueIDs, falseIDs            []int64
	missingTrue                  []int64

	leafTree, leafNode, leafTarget []int64
	leafWeight                     []float32
}

// maxCategory bounds the category codes of set splits: float32 holds every
// integer up to 2^24 exactly, so BRANCH_EQ on float input is exact below it.
const maxCategory = 1 << 24

// floorFloat32 returns the largest float32 that is <= t. For every float32
// x, x <= t holds exactly when x <= floorFloat32(t), so a BRANCH_LEQ on
// float32 input decides as the Go predictor does on the same input.
func floorFloat32(t float64) float32 {
	f := float32(t)
	if float64(f) > t {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// addTree appends tree t (ONNX tree id tid) to e. Leaves add to output
// target; bias is added to every leaf weight. A categorical set split {c1 < c2 < ...} becomes a chain of
// BRANCH_EQ nodes on c1, c2, ... whose true branches all point to the left
// child, the last false branch to the right child.
func (e *ensemble) addTree(tr *gbdt.Tree, tid int64, nfeat int, target int64, bias float64) error {
	nodes := tr.Nodes
	if len(nodes) == 0 {
		e.addNode(tid, 0, 0, "LEAF", 0, 0, 0, false)
		e.addLeaf(tid, 0, target, float32(bias))
		return nil
	}
	if err := checkTree(nodes, nfeat); err != nil {
		return fmt.Errorf("tree %d: %w", tid, err)
	}
	next := int64(len(nodes)) // ids of the extra nodes of EQ chains
	for i := range nodes {
		n := &nodes[i]
		id := int64(i)
		if n.Leaf {
			e.addNode(tid, id, 0, "LEAF", 0, 0, 0, false)
			e.addLeaf(tid, id, target, float32(n.Value+bias))
			continue
		}
		f := int64(n.Feature)
		left, right := int64(n.Left), int64(n.Right)
		if !n.Categorical {
			e.addNode(tid, id, f, "BRANCH_LEQ", floorFloat32(n.Threshold), left, right, n.DefaultLeft)
			continue
		}
		cats := n.Categories
		if len(cats) == 0 {
			// Nothing goes left: x < -Inf is never true, not even for NaN.
			e.addNode(tid, id, f, "BRANCH_LT", float32(math.Inf(-1)), left, right, false)
			continue
		}
		cur := id
		for j, c := range cats {
			falseID := right
			if j < len(cats)-1 {
				falseID = next
				next++
			}
			e.addNode(tid, cur, f, "BRANCH_EQ", float32(c), left, falseID, false)
			cur = falseID
		}
	}
	return nil
}

func (e *ensemble) addNode(tid, id, feature int64, mode string, value float32, t, f int64, missingTrue bool) {
	e.treeIDs = append(e.treeIDs, tid)
	e.nodeIDs = append(e.nodeIDs, id)
	e.featureIDs = append(e.featureIDs, feature)
	e.modes = append(e.modes, mode)
	e.values = append(e.values, value)
	e.trueIDs = append(e.trueIDs, t)
	e.falseIDs = append(e.falseIDs, f)
	var m int64
	if missingTrue {
		m = 1
	}
	e.missingTrue = append(e.missingTrue, m)
}

func (e *ensemble) addLeaf(tid, id, target int64, w float32) {
	e.leafTree = append(e.leafTree, tid)
	e.leafNode = append(e.leafNode, id)
	e.leafTarget = append(e.leafTarget, target)
	e.leafWeight = append(e.leafWeight, w)
}

// checkTree verifies that nodes form a tree rooted at 0 whose splits use
// features below nfeat and representable category codes.
func checkTree(nodes []gbdt.Node, nfeat int) error {
	seen := make([]bool, len(nodes))
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i < 0 || i >= len(nodes) {
			return fmt.Errorf("child index %d out of range [0, %d)", i, len(nodes))
		}
		if seen[i] {
			return fmt.Errorf("node %d is reached twice", i)
		}
		seen[i] = true
		n := &nodes[i]
		if n.Leaf {
			continue
		}
		if n.Feature < 0 || n.Feature >= nfeat {
			return fmt.Errorf("node %d splits on feature %d of %d", i, n.Feature, nfeat)
		}
		for j, c := range n.Categories {
			if c < 0 || c >= maxCategory || (j > 0 && c <= n.Categories[j-1]) {
				return fmt.Errorf("node %d: categories must be ascending codes in [0, %d)", i, maxCategory)
			}
		}
		stack = append(stack, n.Left, n.Right)
	}
	return nil
}

// nodeAttrs returns the nodes_* attributes of e.
func (e *ensemble) nodeAttrs() []Attr {
	return []Attr{
		Ints("nodes_treeids", e.treeIDs...),
		Ints("nodes_nodeids", e.nodeIDs...),
		Ints("nodes_featureids", e.featureIDs...),
		Strings("nodes_modes", e.modes...),
		Floats("nodes_values", e.values...),
		Ints("nodes_truenodeids", e.trueIDs...),
		Ints("nodes_falsenodeids", e.falseIDs...),
		Ints("nodes_missing_value_tracks_true", e.missingTrue...),
	}
}

// treeEnsemble converts m into the ensemble arrays, folding InitScore into
// the leaves of the first tree of each output.
//
// A binary model whose raw score is already the probability of class 1 (a
// random forest's average, transform identity) must have non-negative leaf
// weights: onnxruntime then returns [1-s, s] and labels by s > 0.5; with a
// negative weight it would return [-s, s] and label by s > 0.
func treeEnsemble(m *gbdt.Model, nfeat int) (*ensemble, error) {
	k := max(m.TreesPerIteration, 1)
	if len(m.InitScore) > k {
		return nil, fmt.Errorf("%d init scores for %d outputs", len(m.InitScore), k)
	}
	e := &ensemble{}
	first := make([]bool, k)
	for t := range m.Trees {
		out := t % k
		var bias float64
		if !first[out] {
			first[out] = true
			if out < len(m.InitScore) {
				bias = m.InitScore[out]
			}
		}
		if err := e.addTree(&m.Trees[t], int64(t), nfeat, int64(out), bias); err != nil {
			return nil, err
		}
	}
	// An output with no tree still needs its init score: add a one-leaf tree.
	tid := int64(len(m.Trees))
	for out := range k {
		if first[out] {
			continue
		}
		var bias float64
		if out < len(m.InitScore) {
			bias = m.InitScore[out]
		}
		if err := e.addTree(&gbdt.Tree{}, tid, nfeat, int64(out), bias); err != nil {
			return nil, err
		}
		tid++
	}
	if m.Objective == "binary" && m.Transform == "identity" {
		for _, w := range e.leafWeight {
			if w < 0 {
				return nil, fmt.Errorf("binary model with identity transform has a negative leaf weight %v (probabilities must be sums of non-negative leaves)", w)
			}
		}
	}
	return e, nil
}

// postTransform maps a gbdt transform to the ONNX post_transform.
func postTransform(transform string) (string, error) {
	switch transform {
	case "sigmoid":
		return "LOGISTIC", nil
	case "softmax":
		return "SOFTMAX", nil
	case "identity", "":
		return "NONE", nil
	}
	return "", fmt.Errorf("unknown transform %q", transform)
}
