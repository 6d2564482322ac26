package automl

import (
	"context"
	"math"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// Choosing the iteration count under cross-validation, as lightgbm.cv does.
//
// A GBDT candidate with early stopping that stopped each fold at the best
// iteration of that fold's own validation rows would be scored on the rows
// that chose its length: an optimistic score, most on tiny data, that
// flatters such candidates against LightGBM's defaults (a fixed 100
// iterations). Instead every fold records its validation metric curve, ONE
// iteration count is chosen from the mean curve over all folds (early
// stopping on the mean, with the candidate's patience), and every fold is
// scored at that count. The refit on all rows uses that count too.
//
// lightgbm.cv grows the folds in lockstep. Here they grow one after the
// other: each fold first stops when its own curve has not improved for the
// patience, and folds whose curves end before the mean curve has settled
// are grown again, further (training is deterministic, so the longer run
// repeats the shorter one's iterations). The chosen count is the one the
// lockstep would choose.
//
// A single holdout (large data) still early-stops on the holdout rows that
// then score the candidate: the same optimism, but on thousands of rows, where
// the best iteration's score is little above the score of a fixed count.

// foldCurve is one fold's run: the model, its validation metric after every
// iteration, and whether training ended by itself (the iteration cap, or no
// tree could split), after which the model holds for any longer count.
type foldCurve struct {
	model  *gbdt.Model
	values []float64
	done   bool
}

// value is the fold's validation metric after iteration i (1-based); a run
// that ended by itself keeps its last value.
func (f *foldCurve) value(i int) float64 {
	return f.values[min(i, len(f.values))-1]
}

// meanCurvePatience returns the early-stopping patience of a tree candidate
// that asks for early stopping, when the search cross-validates it; 0
// otherwise.
func (s *searcher) meanCurvePatience(c Candidate) int {
	if (c.Learner != GBDT && c.Learner != Forest) || len(s.sch.folds) < 2 {
		return 0
	}
	p, err := gbdtParams(s.d, c, s.cfg)
	if err != nil {
		return 0 // fit reports the error
	}
	return p.EarlyStoppingRound
}

// curveFolds fits candidate c on every fold with its validation metric
// curve, and returns the fold models (each at least as long as the count
// chosen) and the iteration count chosen from the mean curve.
func (s *searcher) curveFolds(ctx context.Context, c Candidate) ([]*gbdt.Model, int, error) {
	p, err := gbdtParams(s.d, c, s.cfg)
	if err != nil {
		return nil, 0, err
	}
	patience := p.EarlyStoppingRound
	p.EarlyStoppingRound = 0 // the curve decides, not each fold
	higher := p.Metric == "auc"
	better := func(a, b float64) bool {
		if higher {
			return a > b
		}
		return a < b
	}
	runs := make([]foldCurve, len(s.sch.folds))
	// grow fits fold fi until iteration limit, or, with limit 0, until its
	// own curve has not improved for the patience.
	grow := func(fi, limit int) error {
		f := s.sch.folds[fi]
		var values []float64
		best, bestV, cut := 0, math.NaN(), false
		opt := gbdt.Options{Valid: treeDataset(s.d, f.Valid), OnIteration: func(it int, v float64) bool {
			values = append(values, v)
			if best == 0 || better(v, bestV) {
				best, bestV = it, v
			}
			if (limit > 0 && it >= limit) || (limit == 0 && it-best >= patience) {
				cut = it < p.NumIterations
				return false
			}
			return true
		}}
		m, err := gbdt.Train(ctx, p, treeDataset(s.d, f.Train), opt)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return err
		}
		runs[fi] = foldCurve{model: m, values: values, done: !cut}
		return nil
	}
	for fi := range runs {
		if err := grow(fi, 0); err != nil {
			return nil, 0, err
		}
	}
	for {
		iter, settled, common := chooseIteration(runs, patience, better)
		if settled || common >= p.NumIterations {
			models := make([]*gbdt.Model, len(runs))
			for i, r := range runs {
				models[i] = r.model
			}
			return models, iter, nil
		}
		longest := 0
		for _, r := range runs {
			longest = max(longest, len(r.values))
		}
		target := min(p.NumIterations, max(longest, common+patience))
		for fi, r := range runs {
			if !r.done && len(r.values) < target {
				if err := grow(fi, target); err != nil {
					return nil, 0, err
				}
			}
		}
	}
}

// chooseIteration early-stops on the mean of the fold curves as a lockstep
// run of the folds would: it returns the best iteration of the mean curve
// up to the first point where the mean has not improved for the patience
// (settled), or up to the end of the shortest curve still growing (common),
// beyond which the mean is unknown. Folds whose training ended by itself
// count with their last value; folds with no iteration at all are constant
// and left out.
func chooseIteration(runs []foldCurve, patience int, better func(a, b float64) bool) (iter int, settled bool, common int) {
	common, allDone := math.MaxInt, true
	longest := 0
	for _, r := range runs {
		longest = max(longest, len(r.values))
		if !r.done {
			common, allDone = min(common, len(r.values)), false
		}
	}
	if allDone {
		common = longest
	}
	best, bestV := 0, math.NaN()
	for i := 1; i <= common; i++ {
		sum, n := 0.0, 0
		for fi := range runs {
			if len(runs[fi].values) > 0 {
				sum += runs[fi].value(i)
				n++
			}
		}
		v := sum / float64(n)
		if best == 0 || better(v, bestV) {
			best, bestV = i, v
		}
		if i-best >= patience {
			return best, true, common
		}
	}
	return best, allDone, common
}

// truncated returns m cut to its first iter iterations (m itself when it
// has no more).
func truncated(m *gbdt.Model, iter int) *gbdt.Model {
	if iter >= m.Iterations {
		return m
	}
	k := max(m.TreesPerIteration, 1)
	return &gbdt.Model{
		Version: m.Version, Objective: m.Objective, Transform: m.Transform, NumClass: m.NumClass,
		TreesPerIteration: m.TreesPerIteration, InitScore: m.InitScore, Trees: m.Trees[:iter*k],
		Features: m.Features, Iterations: iter, Params: m.Params,
	}
}
