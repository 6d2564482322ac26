package gbdt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
)

// kZero is LightGBM's kZeroThreshold: values in (-kZero, kZero] form the zero bin.
const kZero = 1e-35

// binMapper maps raw values of one feature to bins.
type binMapper struct {
	categorical bool
	// numerical: upper[i] is the inclusive upper bound of bin i (a float32
	// value), the last is +Inf; NaN goes to bin len(upper) when hasNaN.
	upper   []float64
	hasNaN  bool
	zeroBin int
	// categorical: bin i holds category binToCat[i]; the last bin (other)
	// holds NaN, negatives, rare and unseen categories.
	binToCat []int
	catToBin map[int]int
	numBins  int
}

// valueToBin maps a raw value to its bin.
func (m *binMapper) valueToBin(v float64) int {
	if m.categorical {
		if v >= 0 && v < 1<<31 {
			if b, ok := m.catToBin[int(v)]; ok {
				return b
			}
		}
		return m.numBins - 1
	}
	if v != v {
		if m.hasNaN {
			return len(m.upper)
		}
		v = 0
	}
	// first bound >= v
	return sort.SearchFloat64s(m.upper, v)
}

// threshold returns the raw-value threshold of "bin <= b".
func (m *binMapper) threshold(b int) float64 { return m.upper[b] }

// splitThreshold returns t with a <= t < b, preferably a float32 value t
// such that float32(a) <= t < float32(b), so that `x <= t` separates a and b
// on float64 and on float32 input alike.
func splitThreshold(a, b float64) float64 {
	mid := a + (b-a)/2
	if math.IsInf(mid, 0) || math.IsNaN(mid) {
		mid = a/2 + b/2
	}
	f := float32(mid)
	for i := 0; i < 4 && float64(f) < a; i++ {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	for i := 0; i < 4 && (float64(f) >= b || float32(b) <= f); i++ {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	t := float64(f)
	if t >= a && t < b && float32(b) > f && !math.IsInf(t, 0) {
		return t
	}
	if mid >= a && mid < b {
		return mid
	}
	return a
}

// greedyFindBin chooses bin boundaries among sorted distinct values (with
// counts) as LightGBM's GreedyFindBin does. It returns the positions i such
// that a boundary lies between distinct[i] and distinct[i+1].
func greedyFindBin(distinct []float64, counts []int, maxBin, total, minDataInBin int) []int {
	nd := len(distinct)
	var cuts []int
	if nd <= maxBin {
		cur := 0
		for i := 0; i < nd-1; i++ {
			cur += counts[i]
			if cur >= minDataInBin {
				cuts = append(cuts, i)
				cur = 0
			}
		}
		return cuts
	}
	if minDataInBin > 0 {
		maxBin = max(min(maxBin, total/minDataInBin), 1)
	}
	meanBin := float64(total) / float64(maxBin)
	restBins, restCnt := maxBin, total
	big := make([]bool, nd)
	for i, c := range counts {
		if float64(c) >= meanBin {
			big[i] = true
			restBins--
			restCnt -= c
		}
	}
	meanBin = float64(restCnt) / float64(restBins)
	binCnt, cur := 0, 0
	for i := 0; i < nd-1; i++ {
		if !big[i] {
			restCnt -= counts[i]
		}
		cur += counts[i]
		if big[i] || float64(cur) >= meanBin || (big[i+1] && float64(cur) >= max(1.0, meanBin*0.5)) {
			cuts = append(cuts, i)
			binCnt++
			if binCnt >= maxBin-1 {
				break
			}
			cur = 0
			if !big[i] {
				restBins--
				if restBins > 0 {
					meanBin = float64(restCnt) / float64(restBins)
				}
			}
		}
	}
	return cuts
}

// newNumericalMapper builds the bins of a numerical feature from sampled
// values (NaN allowed), with zero in its own bin.
func newNumericalMapper(sample []float64, maxBin, minDataInBin int) *binMapper {
	m := &binMapper{}
	vals := make([]float64, 0, len(sample))
	for _, v := range sample {
		if v != v {
			m.hasNaN = true
			continue
		}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	var distinct []float64
	var counts []int
	for i, v := range vals {
		if i > 0 && v == vals[i-1] {
			counts[len(counts)-1]++
			continue
		}
		distinct = append(distinct, v)
		counts = append(counts, 1)
	}
	bins := maxBin
	if m.hasNaN {
		bins--
	}
	// Split distinct values into negatives, zeros, positives.
	negEnd := sort.Search(len(distinct), func(i int) bool { return distinct[i] > -kZero })
	posStart := sort.Search(len(distinct), func(i int) bool { return distinct[i] > kZero })
	negCnt, zeroCnt, posCnt := 0, 0, 0
	for i, c := range counts {
		switch {
		case i < negEnd:
			negCnt += c
		case i < posStart:
			zeroCnt += c
		default:
			posCnt += c
		}
	}
	total := len(vals)
	var upper []float64
	if negEnd > 0 {
		leftMax := 1
		if total-zeroCnt > 0 {
			leftMax = max(1, int(float64(negCnt)/float64(total-zeroCnt)*float64(bins-1)))
		}
		for _, c := range greedyFindBin(distinct[:negEnd], counts[:negEnd], leftMax, negCnt, minDataInBin) {
			upper = append(upper, splitThreshold(distinct[c], distinct[c+1]))
		}
		upper = append(upper, float64(-float32(kZero)))
	}
	rightMax := bins - 1 - len(upper)
	if posStart < len(distinct) && rightMax > 0 {
		upper = append(upper, float64(float32(kZero)))
		d, c := distinct[posStart:], counts[posStart:]
		for _, i := range greedyFindBin(d, c, rightMax, posCnt, minDataInBin) {
			upper = append(upper, splitThreshold(d[i], d[i+1]))
		}
	}
	upper = append(upper, math.Inf(1))
	m.upper = upper
	m.numBins = len(upper)
	if m.hasNaN {
		m.numBins++
	}
	m.zeroBin = sort.SearchFloat64s(upper, 0)
	return m
}

// newCategoricalMapper builds the bins of a categorical feature: categories
// by decreasing count (ties by code), at most maxBin-1 of them, then the
// "other" bin.
func newCategoricalMapper(sample []float64, maxBin int) *binMapper {
	cnt := map[int]int{}
	for _, v := range sample {
		if v >= 0 && v < 1<<31 {
			cnt[int(v)]++
		}
	}
	cats := make([]int, 0, len(cnt))
	for c := range cnt {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if cnt[cats[i]] != cnt[cats[j]] {
			return cnt[cats[i]] > cnt[cats[j]]
		}
		return cats[i] < cats[j]
	})
	if len(cats) > maxBin-1 {
		cats = cats[:maxBin-1]
	}
	m := &binMapper{categorical: true, binToCat: cats, catToBin: make(map[int]int, len(cats))}
	for b, c := range cats {
		m.catToBin[c] = b
	}
	m.numBins = len(cats) + 1
	return m
}

// Binned is a dataset mapped to bins, ready for training. Build it once with
// NewBinned and train on it many times.
type Binned struct {
	n       int
	mappers []*binMapper
	names   []string
	bins8   [][]uint8  // per feature, when every feature has <= 256 bins
	bins16  [][]uint16 // per feature, otherwise
	label   []float64
	weight  []float64
}

// NumRows returns the number of rows.
func (b *Binned) NumRows() int { return b.n }

// NewBinned bins the training data d with the binning parameters of p
// (max_bin, min_data_in_bin, bin_construct_sample_cnt, seed).
func NewBinned(d *Dataset, p Params) (*Binned, error) {
	n := d.NumRows()
	if n == 0 {
		return nil, fmt.Errorf("bin: no rows")
	}
	if len(d.Features) == 0 {
		return nil, fmt.Errorf("bin: no features")
	}
	for i := range d.Features {
		if len(d.Features[i].Values) != n {
			return nil, fmt.Errorf("bin: feature %q has %d rows, want %d", d.Features[i].Name, len(d.Features[i].Values), n)
		}
	}
	if len(d.Label) != n {
		return nil, fmt.Errorf("bin: %d labels for %d rows", len(d.Label), n)
	}
	if d.Weight != nil && len(d.Weight) != n {
		return nil, fmt.Errorf("bin: %d weights for %d rows", len(d.Weight), n)
	}
	for i, w := range d.Weight {
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("bin: weight of row %d is %v, want a finite number >= 0", i, w)
		}
	}
	if p.MaxBin < 2 {
		p.MaxBin = 255
	}
	if p.MinDataInBin < 1 {
		p.MinDataInBin = 3
	}
	var sampleIdx []int
	if p.BinConstructSample > 0 && n > p.BinConstructSample {
		rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x6269_6e73))
		sampleIdx = rng.Perm(n)[:p.BinConstructSample]
		slices.Sort(sampleIdx)
	}
	b := &Binned{n: n, label: d.Label, weight: d.Weight}
	b.mappers = make([]*binMapper, len(d.Features))
	b.names = make([]string, len(d.Features))
	workers := p.NumThreads
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	pl := newPool(workers)
	defer pl.close()
	// Each feature is binned independently: the result does not depend on
	// the number of workers.
	pl.forEach(len(d.Features), true, func(j int) {
		f := &d.Features[j]
		b.names[j] = f.Name
		var sample []float64
		if sampleIdx != nil {
			sample = make([]float64, len(sampleIdx))
			for k, i := range sampleIdx {
				sample[k] = f.Values[i]
			}
		} else {
			sample = f.Values
		}
		if f.Categorical {
			b.mappers[j] = newCategoricalMapper(sample, p.MaxBin)
		} else {
			b.mappers[j] = newNumericalMapper(sample, p.MaxBin, p.MinDataInBin)
		}
	})
	wide := false
	for _, m := range b.mappers {
		if m.numBins > 256 {
			wide = true
		}
	}
	if wide {
		b.bins16 = make([][]uint16, len(d.Features))
	} else {
		b.bins8 = make([][]uint8, len(d.Features))
	}
	pl.forEach(len(d.Features), true, func(j int) {
		b.fillColumn(j, d.Features[j].Values)
	})
	return b, nil
}

// fillColumn bins the values of feature j.
func (b *Binned) fillColumn(j int, vals []float64) {
	m := b.mappers[j]
	if b.bins16 != nil {
		col := make([]uint16, len(vals))
		for i, v := range vals {
			col[i] = uint16(m.valueToBin(v))
		}
		b.bins16[j] = col
		return
	}
	col := make([]uint8, len(vals))
	for i, v := range vals {
		col[i] = uint8(m.valueToBin(v))
	}
	b.bins8[j] = col
}

// binWith maps another dataset (validation) with the mappers of b.
func (b *Binned) binWith(d *Dataset) (*Binned, error) {
	n := d.NumRows()
	if len(d.Features) != len(b.mappers) {
		return nil, fmt.Errorf("bin: %d features, want %d", len(d.Features), len(b.mappers))
	}
	if len(d.Label) != n {
		return nil, fmt.Errorf("bin: %d labels for %d rows", len(d.Label), n)
	}
	v := &Binned{n: n, mappers: b.mappers, names: b.names, label: d.Label, weight: d.Weight}
	if b.bins16 != nil {
		v.bins16 = make([][]uint16, len(b.mappers))
	} else {
		v.bins8 = make([][]uint8, len(b.mappers))
	}
	for j := range d.Features {
		if len(d.Features[j].Values) != n {
			return nil, fmt.Errorf("bin: feature %q has %d rows, want %d", d.Features[j].Name, len(d.Features[j].Values), n)
		}
		v.fillColumn(j, d.Features[j].Values)
	}
	return v, nil
}

// bin returns the bin of row i in feature j.
func (b *Binned) bin(j, i int) int {
	if b.bins8 != nil {
		return int(b.bins8[j][i])
	}
	return int(b.bins16[j][i])
}
