package automl

import (
	"context"
	"time"
)

// The floor: on data large enough for a single holdout, a timed search
// first fits its first candidate (LightGBM's defaults) on all rows, before
// validating anything. Validating it on the training split and then refitting
// it would cost almost twice a fit; with a budget too small for that, the
// search would deploy a model trained on the training split only, or a refit
// cut short, both worse than LightGBM's defaults. With the floor in hand the
// search can never end below the defaults fit on all rows: when the first
// candidate wins, the floor is its refit (the same fit), and when no trial
// finishes, the floor is deployed unvalidated.

// fitFloor fits the first candidate on all rows when the search validates
// on a holdout under a deadline and the first candidate is GBDT with
// LightGBM's defaults.
func (s *searcher) fitFloor(ctx context.Context) {
	if !s.timed() || len(s.sch.folds) != 1 || len(s.cfg.Resume) > 0 {
		return
	}
	if s.first.Learner != GBDT || len(s.first.Params) != 0 {
		return
	}
	ctx, cancel := context.WithDeadline(ctx, s.cfg.Deadline.Add(-100*time.Millisecond))
	defer cancel()
	t0 := time.Now()
	m, err := fit(ctx, s.d, s.first, s.cfg, nil, nil)
	s.floorSeconds = time.Since(t0).Seconds()
	if m.gbdt == nil {
		return
	}
	s.floor = &m
	s.floorCut = err != nil
}

// floorEstimate is the expected time of a trial of the first candidate from
// the time its floor fit took (scaled to the training split), or 0.
func (s *searcher) floorEstimate(c Candidate) float64 {
	if s.floor == nil || s.floorCut || c.key() != s.first.key() {
		return 0
	}
	return s.floorSeconds * float64(len(s.sch.folds[0].Train)) / float64(max(1, s.d.NumRows()))
}

// floorFits reports whether the floor is the complete refit of trial t.
func (s *searcher) floorFits(t Trial) bool {
	return s.floor != nil && !s.floorCut && t.key() == s.first.key()
}
