package explain

import "github.com/trainyard/trainyard/ml/gbdt"

// Gain returns the total split gain of each feature of m, normalized to sum
// to 1 (all zeros when the model has no split with positive gain).
func Gain(m *gbdt.Model) []float64 {
	imp := make([]float64, len(m.Features))
	for t := range m.Trees {
		nodes := m.Trees[t].Nodes
		for i := range nodes {
			n := &nodes[i]
			if !n.Leaf && n.Feature >= 0 && n.Feature < len(imp) && n.Gain > 0 {
				imp[n.Feature] += n.Gain
			}
		}
	}
	return normalize(imp)
}

// Group sums per-feature values into groups (such as the input columns the
// features were derived from): out[g] is the sum of v[j] over j in groups[g].
func Group(v []float64, groups [][]int) []float64 {
	out := make([]float64, len(groups))
	for g, js := range groups {
		for _, j := range js {
			out[g] += v[j]
		}
	}
	return out
}

func normalize(v []float64) []float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	if s > 0 {
		for i := range v {
			v[i] /= s
		}
	}
	return v
}
