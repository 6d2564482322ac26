package pipeline

import (
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/split"
)

// decideSplit splits the labeled rows into train and test, time-ordered when a datetime column
// orders the rows, stratified for classes, quantile-stratified for numbers.
func (p *Pipeline) decideSplit(out *outcome, ds *dataState, f *frame.Frame, target *frame.Column, labeled []int, an *analyze.Analysis) error {
	timeCol, ordered := orderingTimeColumn(f, ds)
	y := labelCodes(target, labeled, an.ProblemType == analyze.Regression)
	fr := split.Fractions{Test: testShare}
	var h split.Holdout
	var err error
	var scheme string
	alts := []decision.Alternative{}
	switch {
	case timeCol != "":
		key := make([]float64, len(labeled))
		c := f.Col(timeCol)
		for i, r := range labeled {
			key[i] = c.Num[r]
		}
		h, err = split.TimeOrdered(key, fr)
		scheme = fmt.Sprintf("time-ordered on %s: the latest %.0f%% of rows are the test set", timeCol, 100*testShare)
		alts = append(alts, alt("time-ordered", ordered, "rows are ordered in time; the model must predict the future"), alt("random stratified", 1-ordered, "would let the model see the future"))
		ds.TimeColumn = timeCol
	case an.ProblemType == analyze.Regression:
		h, err = split.QuantileHoldout(y, fr, 10, p.opts.Seed)
		scheme = fmt.Sprintf("random %.0f%% test set stratified on target deciles", 100*testShare)
		alts = append(alts, alt("quantile-stratified", 0.8, "test covers the whole target range"), alt("plain random", 0.6, "may miss extremes"))
	default:
		h, err = split.StratifiedHoldout(y, fr, p.opts.Seed)
		scheme = fmt.Sprintf("random %.0f%% test set stratified by class", 100*testShare)
		alts = append(alts, alt("stratified", 0.8, "each class keeps its share in the test set"), alt("plain random", 0.6, "rare classes may be under-represented"))
	}
	if err != nil {
		return userErrorf([]string{"Upload more rows"}, "the %d labeled rows cannot be split into training and test sets: %v", len(labeled), err)
	}
	ds.Train = gatherRows(labeled, append(h.Train, h.Valid...))
	ds.Test = gatherRows(labeled, h.Test)
	slices.Sort(ds.Train)
	validation := "5-fold cross-validation on the training rows"
	if len(ds.Train) >= 10000 {
		validation = "a 20% validation holdout of the training rows"
	}
	if ds.TimeColumn != "" {
		validation = "forward-in-time validation on the training rows"
	}
	ds.SplitScheme = scheme + "; validation by " + validation
	ds.Preprocessing = append(ds.Preprocessing, "split: "+ds.SplitScheme)
	out.decide(p.ruled(typeSplit, fmt.Sprintf("%d train / %d test rows (%s)", len(ds.Train), len(ds.Test), scheme),
		fmt.Sprintf("The test set is held out: training, model selection and the decision threshold never see it, so its metrics are an honest estimate. Candidates are compared by %s.", validation),
		alts, map[string]any{"labeled_rows": len(labeled), "train_rows": len(ds.Train), "test_rows": len(ds.Test), "time_column": ds.TimeColumn, "validation": validation}))
	return nil
}

// orderingTimeColumn returns a datetime column along which the rows are (almost) sorted, with
// the share of consecutive rows in order.
func orderingTimeColumn(f *frame.Frame, ds *dataState) (string, float64) {
	dropped := map[string]bool{}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	best, bestShare := "", 0.0
	for _, c := range f.Columns {
		if c.Kind != frame.Datetime || c.Name == ds.Target || c.NumMissing()*20 > c.Len() {
			continue
		}
		inOrder, pairs := 0, 0
		prev := nan()
		distinct := map[float64]bool{}
		for i, v := range c.Num {
			if c.Missing[i] {
				continue
			}
			distinct[v] = true
			if prev == prev { // not NaN
				pairs++
				if v >= prev {
					inOrder++
				}
			}
			prev = v
		}
		if pairs < 10 || len(distinct) < 10 {
			continue
		}
		share := float64(inOrder) / float64(pairs)
		if share >= timeOrderShare && share > bestShare {
			best, bestShare = c.Name, share
		}
	}
	return best, bestShare
}

// labelCodes returns the target of the given rows as numbers: class codes, or values.
func labelCodes(c *frame.Column, rows []int, regression bool) []float64 {
	out := make([]float64, len(rows))
	if regression && c.Num != nil {
		for i, r := range rows {
			out[i] = c.Num[r]
		}
		return out
	}
	codes := map[string]float64{}
	for i, r := range rows {
		v := c.Value(r)
		k, ok := codes[v]
		if !ok {
			k = float64(len(codes))
			codes[v] = k
		}
		out[i] = k
	}
	return out
}

// gatherRows maps positions in rows to the rows.
func gatherRows(rows, pos []int) []int {
	out := make([]int, len(pos))
	for i, j := range pos {
		out[i] = rows[j]
	}
	return out
}
