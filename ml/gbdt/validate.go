package gbdt

import (
	"fmt"
	"math"
)

// Validate checks that a model (for example one decoded from JSON) is well
// formed, so that prediction cannot panic or loop: known objective and
// transform, consistent output counts, and in every tree child indices that
// point forward (child > parent, which rules out cycles) and features in
// range. Models built by this package always pass.
func (m *Model) Validate() error {
	switch m.Objective {
	case "binary", "multiclass", "regression":
	default:
		return fmt.Errorf("model: objective %q: want binary, multiclass or regression", m.Objective)
	}
	switch m.Transform {
	case "sigmoid", "softmax", "identity":
	default:
		return fmt.Errorf("model: transform %q: want sigmoid, softmax or identity", m.Transform)
	}
	k := m.TreesPerIteration
	if k < 1 || k > 1<<16 {
		return fmt.Errorf("model: trees_per_iteration %d out of range", k)
	}
	if len(m.InitScore) != k {
		return fmt.Errorf("model: %d init scores for %d outputs", len(m.InitScore), k)
	}
	if len(m.Trees)%k != 0 {
		return fmt.Errorf("model: %d trees is not a multiple of %d outputs", len(m.Trees), k)
	}
	nf := len(m.Features)
	for ti := range m.Trees {
		nodes := m.Trees[ti].Nodes
		if len(nodes) == 0 {
			return fmt.Errorf("model: tree %d has no nodes", ti)
		}
		for i := range nodes {
			n := &nodes[i]
			if n.Leaf {
				if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
					return fmt.Errorf("model: tree %d leaf %d has value %v", ti, i, n.Value)
				}
				continue
			}
			if n.Feature < 0 || n.Feature >= nf {
				return fmt.Errorf("model: tree %d node %d splits on feature %d of %d", ti, i, n.Feature, nf)
			}
			if n.Left <= i || n.Right <= i || n.Left >= len(nodes) || n.Right >= len(nodes) || n.Left == n.Right {
				return fmt.Errorf("model: tree %d node %d has children %d, %d", ti, i, n.Left, n.Right)
			}
			if math.IsNaN(n.Threshold) {
				return fmt.Errorf("model: tree %d node %d has a NaN threshold", ti, i)
			}
			for _, c := range n.Categories {
				if c < 0 || c > 1<<24 {
					return fmt.Errorf("model: tree %d node %d has category %d", ti, i, c)
				}
			}
		}
	}
	return nil
}
