package gbdt

import (
	"sync/atomic"
)

// Model is a trained tree ensemble. It is plain data: it marshals to JSON and
// back without loss, and every prediction path (Go, ONNX, TreeSHAP) reads the
// same fields.
//
// The raw score of output k (k < TreesPerIteration) for a row x is
//
//	InitScore[k] + sum over trees t with t % TreesPerIteration == k of Trees[t].Eval(x)
//
// and Transform turns the raw scores into predictions: "sigmoid" (binary,
// probability of class 1), "softmax" (multiclass probabilities), "identity"
// (regression, and the averaged probabilities of a random forest).
//
// Always use a *Model: it caches a compiled predictor on first use.
type Model struct {
	// Version of this layout; ModelVersion when written by this package.
	Version int `json:"version"`
	// Objective is "binary", "multiclass" or "regression".
	Objective string `json:"objective"`
	// Transform maps raw scores to predictions: "sigmoid", "softmax" or "identity".
	Transform string `json:"transform"`
	// NumClass is the number of classes (2 for binary; 1 for regression).
	NumClass int `json:"num_class"`
	// TreesPerIteration is the number of outputs: NumClass for multiclass, 1 otherwise.
	TreesPerIteration int `json:"trees_per_iteration"`
	// InitScore is the starting raw score of each output (boost from average);
	// it is NOT folded into the trees.
	InitScore []float64 `json:"init_score"`
	// Trees in training order; tree t adds to output t % TreesPerIteration.
	Trees []Tree `json:"trees"`
	// Features describes the input columns, in the order rows are given.
	Features []FeatureInfo `json:"features"`
	// Iterations is the number of boosting iterations kept (after early
	// stopping, the best one); len(Trees) == Iterations*TreesPerIteration.
	Iterations int `json:"iterations"`
	// Params holds the resolved training parameters under LightGBM's names.
	Params map[string]string `json:"params,omitempty"`

	compiled atomic.Pointer[predictor]
}

// ModelVersion is the Version written by this package.
const ModelVersion = 1

// FeatureInfo describes one input column as the trainer saw it.
type FeatureInfo struct {
	// Name of the column.
	Name string `json:"name"`
	// Categorical marks a column of category codes 0..k-1 (split by sets).
	Categorical bool `json:"categorical,omitempty"`
	// HasMissing is true when the training data had NaN in this column, so
	// numerical splits on it learned a direction for missing values.
	HasMissing bool `json:"has_missing,omitempty"`
	// NumBins is the number of histogram bins (including the missing bin).
	NumBins int `json:"num_bins"`
	// Unused marks a column that cannot be split (a single bin); no tree uses it.
	Unused bool `json:"unused,omitempty"`
}

// Tree is one regression tree, stored as a flat node array with the root at
// index 0. Leaves are nodes too (Leaf == true).
//
// How a row x moves at an internal node n (v = x[n.Feature]):
//
//   - numerical (n.Categorical false): v is NaN → left iff n.DefaultLeft;
//     otherwise left iff v <= n.Threshold (so -Inf goes left, +Inf right).
//     For features that had no NaN in training the trainer sets DefaultLeft
//     to (0 <= Threshold): a NaN goes where 0 goes, as in LightGBM.
//   - categorical: v is NaN, negative or not in n.Categories → right;
//     otherwise (int(v) in n.Categories) → left. DefaultLeft is false.
//
// Thresholds are float32 values (stored as float64) chosen between the
// largest training value of the left bins and the smallest of the right, so
// `x <= t` gives the same answer on float64 input and on float32-cast input,
// and reproduces the training bins exactly. An ONNX BRANCH_LEQ node with
// left = true and missing_tracks_true = DefaultLeft is equivalent.
type Tree struct {
	// Nodes of the tree; Nodes[0] is the root.
	Nodes []Node `json:"nodes"`
}

// Node is an internal node or a leaf of a Tree.
type Node struct {
	// Leaf is true for a leaf; then only Value, Hessian and Count matter.
	Leaf bool `json:"leaf,omitempty"`
	// Feature is the index of the split column in Model.Features.
	Feature int `json:"feature"`
	// Threshold of a numerical split: v <= Threshold goes left.
	Threshold float64 `json:"threshold"`
	// DefaultLeft sends NaN to the left child (numerical splits only).
	DefaultLeft bool `json:"default_left,omitempty"`
	// Categorical marks a set split on Categories.
	Categorical bool `json:"categorical,omitempty"`
	// Categories going left, ascending (categorical splits only).
	Categories []int `json:"categories,omitempty"`
	// Left and Right are the node indices of the children.
	Left  int `json:"left"`
	Right int `json:"right"`
	// Value is the leaf output, already multiplied by the learning rate. On
	// internal nodes it is the output the node would have had as a leaf.
	Value float64 `json:"value"`
	// Hessian is the sum of hessians (times weights) of the training rows that
	// reached the node in this tree's sample: the "cover" of TreeSHAP.
	Hessian float64 `json:"hessian"`
	// Count is the number of training rows that reached the node.
	Count int `json:"count"`
	// Gain is the split gain (loss reduction) of an internal node.
	Gain float64 `json:"gain,omitempty"`
}

// Eval returns the tree's output for one row of raw values.
func (t *Tree) Eval(x []float64) float64 {
	nodes := t.Nodes
	i := 0
	for {
		n := &nodes[i]
		if n.Leaf {
			return n.Value
		}
		if n.GoesLeft(x[n.Feature]) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// GoesLeft reports whether value v of the split feature goes to the left child
// of internal node n (see Tree for the rules).
func (n *Node) GoesLeft(v float64) bool {
	if n.Categorical {
		if !(v >= 0) || v >= 1<<31 {
			return false
		}
		c := int(v)
		for _, k := range n.Categories {
			if k == c {
				return true
			}
			if k > c {
				return false
			}
		}
		return false
	}
	if v != v {
		return n.DefaultLeft
	}
	return v <= n.Threshold
}

// NumLeaves returns the number of leaves of the tree.
func (t *Tree) NumLeaves() int {
	c := 0
	for i := range t.Nodes {
		if t.Nodes[i].Leaf {
			c++
		}
	}
	return c
}
