package automl

import (
	"fmt"

	"github.com/trainyard/trainyard/ml/split"
)

// scheme is how candidates are validated: folds whose validation parts cover
// oofRows, and the groups of oofRows positions that give per-fold scores.
type scheme struct {
	desc    string
	folds   []split.Fold
	oofRows []int   // rows that get out-of-fold predictions, ascending
	pos     []int   // row -> position in oofRows, or -1
	groups  [][]int // positions in oofRows scored together (a fold, or a holdout chunk)
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
	case n < cvRows && classify:
		s.folds, err = split.StratifiedKFold(d.Label, k, cfg.Seed)
		s.desc = fmt.Sprintf("%d-fold stratified cross-validation", k)
	case n < cvRows:
		s.folds, err = split.QuantileKFold(d.Label, k, 10, cfg.Seed)
		s.desc = fmt.Sprintf("%d-fold cross-validation stratified by target quantiles", k)
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
		for _, f := range s.folds {
			g := make([]int, len(f.Valid))
			for i, r := range f.Valid {
				g[i] = s.pos[r]
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
