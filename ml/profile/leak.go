package profile

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/trainyard/trainyard/ml/frame"
)

// Leak thresholds: a single feature that scores this well on held-out rows
// is almost certainly derived from the target.
const (
	// LeakBalancedAccuracy is the held-out balanced accuracy that flags a
	// feature for classification targets.
	LeakBalancedAccuracy = 0.98
	// LeakR2 is the held-out R² (or squared correlation) that flags a feature
	// for regression targets.
	LeakR2 = 0.98
	// leakBins is the number of quantile bins a numeric feature is cut into.
	leakBins = 64
	// leakSample caps the values used to place bin edges.
	leakSample = 20000
	// leakMinRows is the number of labelled rows below which no leak is claimed.
	leakMinRows = 20
)

// LeakScore is one feature's single-feature predictive power on held-out rows.
type LeakScore struct {
	Column string `json:"column"`
	// Score is balanced accuracy (classification) or R² (regression) of a
	// lookup model: the feature's value (numbers cut into up to 64 quantile
	// bins, missing as its own value) mapped to the majority class or mean
	// target of the training half, scored on the other half.
	Score float64 `json:"score"`
}

// LeakScores scores every column except the target with a one-feature
// lookup model fitted on the even labelled rows and scored on the odd ones.
// The split is deterministic, so the scores are too.
func LeakScores(ctx context.Context, f *frame.Frame, target *frame.Column, task Task) ([]LeakScore, error) {
	var rows []int
	for i := range target.Len() {
		if !target.Missing[i] {
			rows = append(rows, i)
		}
	}
	if len(rows) < leakMinRows {
		return nil, nil
	}
	var y []float64
	classes := 0
	if task == Regression {
		if target.Num == nil {
			return nil, fmt.Errorf("regression target %q is not numeric: %w", target.Name, ErrTarget)
		}
		y = target.Num
	} else {
		y, classes = classCodes(target)
	}
	var train, test []int
	for k, r := range rows {
		if k%2 == 0 {
			train = append(train, r)
		} else {
			test = append(test, r)
		}
	}
	scores := make([]float64, f.NCols())
	err := parallelFor(ctx, f.NCols(), func(j int) {
		c := f.Columns[j]
		if c == target || c.Name == target.Name {
			return
		}
		groups, ngroups := groupRows(c, train)
		if task == Regression {
			scores[j] = lookupR2(groups, ngroups, y, train, test)
			if c.Num != nil {
				r := correlation(c.Num, c.Missing, y, rows)
				scores[j] = max(scores[j], r*r)
			}
		} else {
			scores[j] = lookupBalancedAccuracy(groups, ngroups, y, classes, train, test)
		}
	})
	if err != nil {
		return nil, err
	}
	var out []LeakScore
	for j, c := range f.Columns {
		if c != target && c.Name != target.Name {
			out = append(out, LeakScore{Column: c.Name, Score: scores[j]})
		}
	}
	return out, nil
}

// Leaks flags the columns whose LeakScores pass LeakBalancedAccuracy or LeakR2.
func Leaks(ctx context.Context, f *frame.Frame, target *frame.Column, task Task) ([]Flag, error) {
	scores, err := LeakScores(ctx, f, target, task)
	if err != nil {
		return nil, err
	}
	var flags []Flag
	for _, s := range scores {
		switch {
		case task == Regression && s.Score >= LeakR2:
			flags = append(flags, Flag{Kind: FlagLeak, Column: s.Column, Score: s.Score,
				Detail: fmt.Sprintf("alone it explains the target with held-out R² %.3f; is it derived from the target?", s.Score)})
		case task != Regression && s.Score >= LeakBalancedAccuracy:
			flags = append(flags, Flag{Kind: FlagLeak, Column: s.Column, Score: s.Score,
				Detail: fmt.Sprintf("alone it predicts the target with held-out balanced accuracy %.3f; is it derived from the target?", s.Score)})
		}
	}
	return flags, nil
}

// classCodes maps labels to codes 0..k-1 in label order; missing rows get NaN.
func classCodes(target *frame.Column) ([]float64, int) {
	counts := ClassCounts(target)
	code := make(map[string]float64, len(counts))
	for k, c := range counts {
		code[c.Class] = float64(k)
	}
	y := make([]float64, target.Len())
	for i := range y {
		if target.Missing[i] {
			y[i] = math.NaN()
			continue
		}
		y[i] = code[target.Value(i)]
	}
	return y, len(counts)
}

// groupRows assigns every row a group: a string value, or a quantile bin of
// a number with edges taken from the training rows. Missing is group 0.
func groupRows(c *frame.Column, train []int) ([]int32, int) {
	g := make([]int32, c.Len())
	if c.Str != nil {
		index := map[string]int32{}
		for i, s := range c.Str {
			if c.Missing[i] {
				continue
			}
			k, ok := index[s]
			if !ok {
				k = int32(len(index) + 1)
				index[s] = k
			}
			g[i] = k
		}
		return g, len(index) + 1
	}
	// Edges come from at most leakSample training values, taken at a fixed
	// stride, so that wide columns stay cheap.
	stride := max(1, len(train)/leakSample)
	vals := make([]float64, 0, min(len(train), leakSample+1))
	for k := 0; k < len(train); k += stride {
		if r := train[k]; !c.Missing[r] {
			vals = append(vals, c.Num[r])
		}
	}
	slices.Sort(vals)
	var edges []float64
	for b := 1; b <= leakBins && len(vals) > 0; b++ {
		e := vals[min(len(vals)-1, b*len(vals)/leakBins)]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	for i, v := range c.Num {
		if c.Missing[i] {
			continue
		}
		// Values up to and including an edge share its bin.
		g[i] = int32(sort.SearchFloat64s(edges, v)) + 1
	}
	return g, len(edges) + 2
}

// lookupBalancedAccuracy fits majority class per group on train and returns
// the balanced accuracy on test (classes absent from test are skipped).
func lookupBalancedAccuracy(groups []int32, ngroups int, y []float64, k int, train, test []int) float64 {
	counts := make([]int, ngroups*k)
	overall := make([]int, k)
	for _, r := range train {
		c := int(y[r])
		counts[int(groups[r])*k+c]++
		overall[c]++
	}
	fallback := argmax(overall)
	pred := make([]int, ngroups)
	for gi := range pred {
		row := counts[gi*k : (gi+1)*k]
		if slices.Max(row) == 0 {
			pred[gi] = fallback
		} else {
			pred[gi] = argmax(row)
		}
	}
	hit := make([]int, k)
	total := make([]int, k)
	for _, r := range test {
		c := int(y[r])
		total[c]++
		if pred[groups[r]] == c {
			hit[c]++
		}
	}
	sum, present := 0.0, 0
	for c := range k {
		if total[c] > 0 {
			sum += float64(hit[c]) / float64(total[c])
			present++
		}
	}
	if present == 0 {
		return 0
	}
	return sum / float64(present)
}

func argmax(v []int) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// lookupR2 fits the mean target per group on train and returns R² on test.
func lookupR2(groups []int32, ngroups int, y []float64, train, test []int) float64 {
	sum := make([]float64, ngroups)
	cnt := make([]int, ngroups)
	mean := 0.0
	for _, r := range train {
		sum[groups[r]] += y[r]
		cnt[groups[r]]++
		mean += y[r]
	}
	mean /= float64(len(train))
	var sse, sst, testMean float64
	for _, r := range test {
		testMean += y[r]
	}
	testMean /= float64(len(test))
	for _, r := range test {
		p := mean
		if g := groups[r]; cnt[g] > 0 {
			p = sum[g] / float64(cnt[g])
		}
		sse += (y[r] - p) * (y[r] - p)
		sst += (y[r] - testMean) * (y[r] - testMean)
	}
	if sst == 0 {
		return 0
	}
	return 1 - sse/sst
}

// correlation is Pearson's r between x and y over rows where x is present
// and finite.
func correlation(x []float64, missing []bool, y []float64, rows []int) float64 {
	var n, sx, sy float64
	for _, r := range rows {
		if !missing[r] && !math.IsInf(x[r], 0) {
			n++
			sx += x[r]
			sy += y[r]
		}
	}
	if n < 3 {
		return 0
	}
	mx, my := sx/n, sy/n
	var sxy, sxx, syy float64
	for _, r := range rows {
		if !missing[r] && !math.IsInf(x[r], 0) {
			dx, dy := x[r]-mx, y[r]-my
			sxy += dx * dy
			sxx += dx * dx
			syy += dy * dy
		}
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}
