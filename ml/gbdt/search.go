package gbdt

import "slices"

// leafSearch is the search for the best split of one leaf, in three steps
// so that the per-feature part can run inside another task's dispatch:
// beginSearch on the calling goroutine (it draws the random choices, in a
// fixed order), searchFeature on any worker, endSearch on the caller.
type leafSearch struct {
	leaf     int
	active   bool      // the leaf may split
	hist     []float64 // the leaf's histogram slot
	stats    leafStats
	allowed  []bool      // features the leaf may split on
	nodeFeat []bool      // allowed, with feature_fraction_bynode
	extraThr []int       // extra_trees: the one threshold tried per feature
	featBest []splitInfo // per feature
}

func newLeafSearch(feats int) *leafSearch {
	return &leafSearch{
		nodeFeat: make([]bool, feats),
		extraThr: make([]int, feats),
		featBest: make([]splitInfo, feats),
	}
}

// findBest computes the best split of leaf from its histogram slot.
func (gr *grower) findBest(leaf int) {
	s := gr.search[0]
	gr.beginSearch(s, leaf, gr.slot(gr.slotOf[leaf]))
	if !s.active {
		return
	}
	gr.pool.forEach(len(gr.feats), len(gr.feats) >= 32, func(f int) {
		gr.searchFeature(s, f)
	})
	gr.endSearch(s)
}

// beginSearch starts the search of leaf, whose histogram is h: it resets
// the leaf's best split and, when the leaf may split, picks the features
// and thresholds to try.
func (gr *grower) beginSearch(s *leafSearch, leaf int, h []float64) {
	gr.best[leaf] = splitInfo{feat: -1}
	s.leaf, s.hist, s.active = leaf, h, false
	p := &gr.p
	cnt := gr.leafCnt[leaf]
	if cnt < 2*max(p.MinDataInLeaf, 1) || gr.leafH[leaf] < 2*p.MinSumHessianInLeaf {
		return
	}
	if p.MaxDepth > 0 && gr.leafDepth[leaf] >= p.MaxDepth {
		return
	}
	s.active = true
	s.allowed = gr.treeFeat
	if p.FeatureFractionNode < 1 {
		sampleInto(s.nodeFeat, gr.treeFeat, p.FeatureFractionNode, gr.rng)
		s.allowed = s.nodeFeat
	}
	if p.ExtraTrees {
		for f := range gr.feats {
			nb := gr.feats[f].numBins
			if gr.feats[f].hasNaN {
				nb--
			}
			s.extraThr[f] = 0
			if nb > 2 {
				s.extraThr[f] = gr.rng.IntN(nb - 1)
			}
		}
	}
	s.stats = leafStats{g: gr.leafG[leaf], h: gr.leafH[leaf], n: cnt}
	s.stats.cntFactor = float64(cnt) / s.stats.h
}

// searchFeature finds the best split of the leaf on feature f.
func (gr *grower) searchFeature(s *leafSearch, f int) {
	fb := &s.featBest[f]
	*fb = splitInfo{feat: -1, catBins: fb.catBins[:0]}
	if !s.active || !s.allowed[f] {
		return
	}
	fm := &gr.feats[f]
	hf := s.hist[fm.off : fm.off+2*fm.numBins]
	if fm.categorical {
		gr.findCategorical(fm, hf, s.stats, fb)
	} else {
		extra := -1
		if gr.p.ExtraTrees {
			extra = s.extraThr[f]
		}
		gr.findNumerical(fm, hf, s.stats, extra, fb)
	}
	if fb.feat == -2 {
		fb.feat = f
	}
}

// endSearch sets the leaf's best split to the best over its features.
func (gr *grower) endSearch(s *leafSearch) {
	if !s.active {
		return
	}
	out := &gr.best[s.leaf]
	for f := range s.featBest {
		fb := &s.featBest[f]
		if fb.feat >= 0 && (out.feat < 0 || fb.gain > out.gain) {
			*out = *fb
			out.catBins = slices.Clone(fb.catBins)
		}
	}
}
