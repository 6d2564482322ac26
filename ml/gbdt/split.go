package gbdt

import (
	"math"
	"sort"
)

// splitInfo is the best split found for a leaf (or for one feature of it).
type splitInfo struct {
	gain        float64 // gain over the parent, minus min_gain_to_split; > 0 when found
	feat        int     // index into grower.feats; -1 when none
	thr         int     // numerical: bins <= thr go left
	defaultLeft bool    // numerical: the NaN bin goes left
	catBins     []int   // categorical: bins going left
	leftG       float64
	leftH       float64
	rightG      float64
	rightH      float64
	leftOut     float64 // leaf outputs before the learning rate
	rightOut    float64
}

func (s *splitInfo) found() bool { return s.feat >= 0 && s.gain > 0 }

func thresholdL1(g, l1 float64) float64 {
	if l1 <= 0 {
		return g
	}
	if g > l1 {
		return g - l1
	}
	if g < -l1 {
		return g + l1
	}
	return 0
}

func leafOutput(g, h, l1, l2 float64) float64 {
	return -thresholdL1(g, l1) / (h + l2)
}

func leafGain(g, h, l1, l2 float64) float64 {
	t := thresholdL1(g, l1)
	return t * t / (h + l2)
}

// leafStats are the sums of the leaf being split.
type leafStats struct {
	g, h      float64
	n         int
	cntFactor float64 // rows per unit of hessian, to estimate counts
}

// findNumerical finds the best threshold of a numerical feature from its
// histogram. extra >= 0 restricts the search to that one threshold (extra-trees).
func (gr *grower) findNumerical(fm *featMeta, hist []float64, ls leafStats, extra int, out *splitInfo) {
	p := &gr.p
	l1, l2 := p.LambdaL1, p.LambdaL2
	minGainShift := leafGain(ls.g, ls.h, l1, l2) + p.MinGainToSplit
	nb := fm.numBins
	nanG, nanH := 0.0, 0.0
	if fm.hasNaN {
		nb--
		nanG, nanH = hist[2*nb], hist[2*nb+1]
	}
	best := math.Inf(-1)
	minData := float64(p.MinDataInLeaf)
	minHess := p.MinSumHessianInLeaf
	try := func(lg, lh float64, t int, defLeft bool) {
		rg, rh := ls.g-lg, ls.h-lh
		if lh < minHess || rh < minHess {
			return
		}
		lc := math.Round(lh * ls.cntFactor)
		rc := float64(ls.n) - lc
		if lc < minData || rc < minData {
			return
		}
		gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2)
		if gain <= minGainShift || gain <= best {
			return
		}
		best = gain
		out.gain = gain - minGainShift
		out.feat = -2 // set by caller
		out.thr = t
		out.defaultLeft = defLeft
		out.leftG, out.leftH, out.rightG, out.rightH = lg, lh, rg, rh
		out.leftOut = leafOutput(lg, lh, l1, l2)
		out.rightOut = leafOutput(rg, rh, l1, l2)
	}
	lastT := nb - 2
	if fm.hasNaN && nanH > 0 {
		lastT = nb - 1 // all values left, NaN right
	}
	lg, lh := 0.0, 0.0
	h := hist[:2*nb]
	for t := 0; t <= lastT; t++ {
		lg += h[2*t]
		lh += h[2*t+1]
		if extra >= 0 && t != extra {
			continue
		}
		try(lg, lh, t, false)
		if fm.hasNaN && nanH > 0 && t < nb-1 {
			try(lg+nanG, lh+nanH, t, true)
		}
	}
	if !fm.hasNaN && out.feat == -2 {
		// NaN (treated as 0) goes where the zero bin goes.
		out.defaultLeft = fm.zeroBin <= out.thr
	}
}

// findCategorical finds the best category set of a categorical feature, as
// LightGBM does: one-vs-rest for few categories, else categories sorted by
// grad/(hess+cat_smooth) and scanned from both ends.
func (gr *grower) findCategorical(fm *featMeta, hist []float64, ls leafStats, out *splitInfo) {
	p := &gr.p
	l1, l2 := p.LambdaL1, p.LambdaL2
	minGainShift := leafGain(ls.g, ls.h, l1, l2) + p.MinGainToSplit
	used := fm.numBins - 1 // last bin is "other": never goes left
	minData := float64(p.MinDataInLeaf)
	minHess := p.MinSumHessianInLeaf
	best := math.Inf(-1)
	set := func(gain float64, lg, lh float64, l2x float64, bins []int) {
		rg, rh := ls.g-lg, ls.h-lh
		best = gain
		out.gain = gain - minGainShift
		out.feat = -2
		out.catBins = append(out.catBins[:0], bins...)
		out.leftG, out.leftH, out.rightG, out.rightH = lg, lh, rg, rh
		out.leftOut = leafOutput(lg, lh, l1, l2x)
		out.rightOut = leafOutput(rg, rh, l1, l2x)
	}
	if used <= p.MaxCatToOnehot {
		for t := 0; t < used; t++ {
			lg, lh := hist[2*t], hist[2*t+1]
			rg, rh := ls.g-lg, ls.h-lh
			if lh < minHess || rh < minHess {
				continue
			}
			lc := math.Round(lh * ls.cntFactor)
			if lc < minData || float64(ls.n)-lc < minData {
				continue
			}
			gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2)
			if gain > minGainShift && gain > best {
				set(gain, lg, lh, l2, []int{t})
			}
		}
		return
	}
	sorted := make([]int, 0, used)
	for t := 0; t < used; t++ {
		if math.Round(hist[2*t+1]*ls.cntFactor) >= p.CatSmooth {
			sorted = append(sorted, t)
		}
	}
	ctr := func(t int) float64 { return hist[2*t] / (hist[2*t+1] + p.CatSmooth) }
	sort.SliceStable(sorted, func(a, b int) bool { return ctr(sorted[a]) < ctr(sorted[b]) })
	l2c := l2 + p.CatL2
	nUsed := len(sorted)
	maxNumCat := min(p.MaxCatThreshold, (nUsed+1)/2)
	minPerGroup := float64(p.MinDataPerGroup)
	bestCount, bestDir := 0, 1
	for _, dir := range []int{1, -1} {
		pos := 0
		if dir < 0 {
			pos = nUsed - 1
		}
		lg, lh, lc, group := 0.0, 1e-15, 0.0, 0.0
		for i := 0; i < nUsed && i < maxNumCat; i++ {
			t := sorted[pos]
			pos += dir
			g, h := hist[2*t], hist[2*t+1]
			c := math.Round(h * ls.cntFactor)
			lg += g
			lh += h
			lc += c
			group += c
			if lc < minData || lh < minHess {
				continue
			}
			rc := float64(ls.n) - lc
			if rc < minData || rc < minPerGroup {
				break
			}
			if ls.h-lh < minHess {
				break
			}
			if group < minPerGroup {
				continue
			}
			group = 0
			gain := leafGain(lg, lh, l1, l2c) + leafGain(ls.g-lg, ls.h-lh, l1, l2c)
			if gain > minGainShift && gain > best {
				best = gain
				bestCount, bestDir = i+1, dir
				set(gain, lg, lh, l2c, nil)
			}
		}
	}
	if out.feat == -2 {
		bins := make([]int, 0, bestCount)
		pos := 0
		if bestDir < 0 {
			pos = nUsed - 1
		}
		for i := 0; i < bestCount; i++ {
			bins = append(bins, sorted[pos])
			pos += bestDir
		}
		sort.Ints(bins)
		out.catBins = bins
	}
}
