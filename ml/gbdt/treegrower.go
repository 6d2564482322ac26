package gbdt

import (
	"math/rand/v2"
	"runtime"
	"slices"
)

// TreeGrower grows single trees on binned data; it is the tree builder of
// the boosting loop, exposed for ml/forest. The tree parameters of Params
// apply (num_leaves, max_depth, min_data_in_leaf, min_sum_hessian_in_leaf,
// lambda_l1/l2, min_gain_to_split, feature_fraction per tree,
// feature_fraction_bynode, extra_trees, the categorical settings). A
// TreeGrower is not safe for concurrent use; Close releases its workers.
type TreeGrower struct {
	gr *grower
}

// NewTreeGrower returns a grower over b whose random choices come from seed.
func NewTreeGrower(b *Binned, p Params, seed uint64) (*TreeGrower, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	workers := p.NumThreads
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &TreeGrower{gr: newGrower(b, p, workers, rand.New(rand.NewPCG(seed, 0x666f_7265)))}, nil
}

// Grow grows one tree that minimizes the second-order loss given per-row
// gradients and hessians (row weights or bootstrap counts folded in): each
// leaf's value is -G/(H+lambda_l2) (L1-thresholded) times scale. rows are the
// distinct rows in the sample, ascending (nil = all rows).
func (t *TreeGrower) Grow(grad, hess []float32, rows []int32, scale float64) Tree {
	t.gr.sampleFeatures()
	bt, _ := t.gr.grow(grad, hess, rows, scale)
	return Tree{Nodes: slices.Clone(bt.nodes)}
}

// Close stops the grower's worker goroutines.
func (t *TreeGrower) Close() { t.gr.close() }

// FeatureInfo describes the columns of b as a Model records them.
func (b *Binned) FeatureInfo() []FeatureInfo {
	fs := make([]FeatureInfo, len(b.mappers))
	for j, bm := range b.mappers {
		fs[j] = FeatureInfo{Name: b.names[j], Categorical: bm.categorical, HasMissing: bm.hasNaN, NumBins: bm.numBins, Unused: bm.numBins < 2}
	}
	return fs
}

// Label returns the labels b was built with.
func (b *Binned) Label() []float64 { return b.label }

// Weight returns the row weights b was built with (nil = all 1).
func (b *Binned) Weight() []float64 { return b.weight }
