package automl

import (
	"fmt"

	"github.com/trainyard/trainyard/ml/split"
)

// scheme is how candidates are validated: folds whose validation parts cover
// oofRows (once per repeat of the cross-validation), and the groups of
// out-of-fold positions that give per-fold scores. Out-of-fold predictions
// have repeats*len(oofRows) positions: repeat r of row oofRows[i] is at
// r*len(oofRows)+i.
type scheme struct {
	desc    string
	folds   []split.Fold
	rep     []int   // per fold: the repeat it belongs to
	repeats int     // cross-validation repeats (1 for a holdout)
	oofRows []int   // rows that get out-of-fold predictions, ascending
	pos     []int   // row -> position in oofRows, or -1
	groups  [][]int // out-of-fold positions scored together (a fold, or a holdout chunk)
}

// repeatRows is the row count below which cross-validation is repeated
// (with other fold assignments) cvRepeats times: on a few hundred rows the
// score of one fold assignment is mostly the luck of that assignment.
const (
	repeatRows = 500
	cvRepeats  = 3
)

// size is the number of out-of-fold positions.
func (s *scheme) size() int { return s.repeats * len(s.oofRows) }

// row returns the row of out-of-fold position q.
func (s *scheme) row(q int) int { return s.oofRows[q%len(s.oofRows)] }

// collapse averages out-of-fold predictions over the repeats: one entry of
// w values per row of oofRows.
func (s *scheme) collapse(oof []float64, w int) []float64 {
	if s.repeats <= 1 || oof == nil {
		return oof
	}
	m := len(s.oofRows) * w
	out := make([]float64, m)
	for r := 0; r < s.repeats; r++ {
		for i, v := range oof[r*m : (r+1)*m] {
			out[i] += v
		}
	}
	for i := range out {
		out[i] /= float64(s.repeats)
	}
	return out
}

// holdoutChunks is how many pieces a holdout's validation rows are cut into to
// measure the noise of a score.
const holdoutChunks = 5

func newScheme(d *Data, cfg *Config) (*scheme, error) {
	n := d.NumRows()
	k := cfg.Folds
	if k <= 0 {
		k = 5
	}
	cvRows := cfg.CVRows
	if cvRows <= 0 {
		cvRows = 10000
	}
	share := cfg.Holdout
	if share <= 0 || share >= 1 {
		share = 0.2
	}
	classify := d.Task != Regression
	s := &scheme{}
	var err error
	switch {
	case d.TimeKey != nil && n < cvRows:
		s.folds, err = split.TimeSeriesFolds(d.TimeKey, k)
		s.desc = fmt.Sprintf("%d-fold forward-in-time cross-validation", k)
	case d.TimeKey != nil:
		var h split.Holdout
		h, err = split.TimeOrdered(d.TimeKey, split.Fractions{Valid: share})
		s.folds = []split.Fold{{Train: h.Train, Valid: h.Valid}}
		s.desc = fmt.Sprintf("the latest %.0f%% of rows in time held out", share*100)
	case n < cvRows:
		reps := 1
		if n < repeatRows {
			reps = cvRepeats
		}
		for r := 0; r < reps && err == nil; r++ {
			var fs []split.Fold
			if classify {
				fs, err = split.StratifiedKFold(d.Label, k, cfg.Seed+uint64(r))
			} else {
				fs, err = split.QuantileKFold(d.Label, k, 10, cfg.Seed+uint64(r))
			}
			for range fs {
				s.rep = append(s.rep, r)
			}
			s.folds = append(s.folds, fs...)
		}
		s.repeats = reps
		s.desc = fmt.Sprintf("%d-fold cross-validation stratified by target quantiles", k)
		if classify {
			s.desc = fmt.Sprintf("%d-fold stratified cross-validation", k)
		}
		if reps > 1 {
			s.desc += fmt.Sprintf(", repeated %d times", reps)
		}
	case classify:
		var h split.Holdout
		h, err = split.StratifiedHoldout(d.Label, split.Fractions{Valid: share}, cfg.Seed)
		s.folds = []split.Fold{{Train: h.Train, Valid: h.Valid}}
		s.desc = fmt.Sprintf("a stratified %.0f%% holdout", share*100)
	default:
		var h split.Holdout
		h, err = split.RandomHoldout(n, split.Fractions{Valid: share}, cfg.Seed)
		s.folds = []split.Fold{{Train: h.Train, Valid: h.Valid}}
		s.desc = fmt.Sprintf("a random %.0f%% holdout", share*100)
	}
	if err != nil {
		return nil, fmt.Errorf("validation split: %w", err)
	}
	if s.repeats == 0 {
		s.repeats = 1
		s.rep = make([]int, len(s.folds))
	}
	s.index(n)
	return s, nil
}

// index fills oofRows, pos and groups from the folds.
func (s *scheme) index(n int) {
	s.pos = make([]int, n)
	for i := range s.pos {
		s.pos[i] = -1
	}
	for _, f := range s.folds {
		for _, r := range f.Valid {
			s.pos[r] = 0
		}
	}
	for r, p := range s.pos {
		if p == 0 {
			s.pos[r] = len(s.oofRows)
			s.oofRows = append(s.oofRows, r)
		}
	}
	if len(s.folds) > 1 {
		for fi, f := range s.folds {
			g := make([]int, len(f.Valid))
			for i, r := range f.Valid {
				g[i] = s.rep[fi]*len(s.oofRows) + s.pos[r]
			}
			s.groups = append(s.groups, g)
		}
		return
	}
	// One holdout: interleave its rows into chunks so each covers the whole range.
	s.groups = make([][]int, holdoutChunks)
	for i := range s.oofRows {
		s.groups[i%holdoutChunks] = append(s.groups[i%holdoutChunks], i)
	}
}

// gather returns v at rows idx.
func gather(v []float64, idx []int) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(idx))
	for i, r := range idx {
		out[i] = v[r]
	}
	return out
}

// gatherCols returns every column at rows idx.
func gatherCols(cols [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(cols))
	for j, c := range cols {
		out[j] = gather(c, idx)
	}
	return out
}
