package gbdt

// Importance returns one value per feature: with gain true the total split
// gain of the feature over all trees (LightGBM importance_type "gain"),
// otherwise the number of splits on it ("split").
func (m *Model) Importance(gain bool) []float64 {
	imp := make([]float64, len(m.Features))
	for t := range m.Trees {
		for i := range m.Trees[t].Nodes {
			n := &m.Trees[t].Nodes[i]
			if n.Leaf {
				continue
			}
			if gain {
				imp[n.Feature] += n.Gain
			} else {
				imp[n.Feature]++
			}
		}
	}
	return imp
}
