package automl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/metrics"
)

// maxTrials bounds a search whatever the budget; maxRepeats ends it when the
// proposals keep repeating configurations already tried.
const (
	maxTrials  = 500
	maxRepeats = 200
)

// Search runs a search on d and returns the refit winner. ctx cancels it
// (with an error); the deadline in cfg ends it (with the best found so far).
func Search(ctx context.Context, d *Data, cfg Config) (*Result, error) {
	start := time.Now()
	if err := check(d); err != nil {
		return nil, err
	}
	metric, err := pickMetric(d, cfg.Metric)
	if err != nil {
		return nil, err
	}
	if cfg.Fixed != nil {
		return fitFixed(ctx, d, &cfg, metric, start)
	}
	if cfg.Deadline.IsZero() && cfg.Trials <= 0 {
		return nil, errors.New("automl: set a deadline or a number of trials")
	}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		return nil, err
	}
	s := &searcher{d: d, cfg: &cfg, metric: metric, sch: sch, start: start, rng: rand.New(rand.NewPCG(cfg.Seed, 0x7261696e79617264))}
	if err := s.run(ctx); err != nil {
		return nil, err
	}
	res, err := s.finish(ctx)
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func check(d *Data) error {
	n := d.NumRows()
	switch {
	case n == 0:
		return errors.New("automl: no rows")
	case d.Task != Binary && d.Task != Multiclass && d.Task != Regression:
		return fmt.Errorf("automl: unknown task %q", d.Task)
	case d.Task != Regression && d.NumClass < 2:
		return fmt.Errorf("automl: a %s task needs at least 2 classes, got %d", d.Task, d.NumClass)
	case d.Weight != nil && len(d.Weight) != n:
		return fmt.Errorf("automl: %d weights for %d rows", len(d.Weight), n)
	}
	for j, c := range d.Trees.Cols {
		if len(c) != n {
			return fmt.Errorf("automl: column %q has %d values for %d rows", d.Trees.Names[j], len(c), n)
		}
	}
	return nil
}

func pickMetric(d *Data, name string) (metrics.Metric, error) {
	if name == "" {
		return metrics.Default(d.Task)
	}
	m, err := metrics.Lookup(name)
	if err != nil {
		return m, err
	}
	if !m.AppliesTo(d.Task) {
		return m, fmt.Errorf("automl: metric %q does not apply to a %s task", name, d.Task)
	}
	return m, nil
}

// searcher holds the state of one search.
type searcher struct {
	d            *Data
	cfg          *Config
	metric       metrics.Metric
	sch          *scheme
	start        time.Time
	first        Candidate // the first candidate, fit unvalidated when none finishes
	floor        *fitted   // the first candidate fit on all rows before the search (large data)
	floorCut     bool      // the floor fit was cut by the deadline
	floorSeconds float64   // how long the floor fit took
	rng          *rand.Rand
	trials       []Trial
	seen         map[string]bool
	fp           uint64        // fingerprint of the search, for resume records
	resume       []TrialRecord // records still to replay
}

// timed reports whether the search runs against the clock: it has a
// deadline and is not a replay of a fixed number of trials.
func (s *searcher) timed() bool { return !s.cfg.Deadline.IsZero() && s.cfg.Trials <= 0 }

// allowed reports whether family is searched.
func (s *searcher) allowed(family string) bool {
	if family == Linear && (s.d.Linear == nil || len(s.d.Linear.Cols) == 0) {
		return false
	}
	if family == Text && s.d.Text == nil {
		return false
	}
	if (family == GBDT || family == Forest) && len(s.d.Trees.Cols) == 0 {
		return false
	}
	return len(s.cfg.Learners) == 0 || slices.Contains(s.cfg.Learners, family)
}

// finished counts the trials that completed.
func (s *searcher) finished() int {
	n := 0
	for _, t := range s.trials {
		if t.Status != "timeout" {
			n++
		}
	}
	return n
}

// run evaluates candidates until the budget (or the replayed count) is spent.
func (s *searcher) run(ctx context.Context) error {
	s.seen = map[string]bool{}
	s.fp = s.fingerprint()
	s.resume = replayable(s.cfg.Resume)
	var queue []Candidate
	if s.allowed(GBDT) {
		queue = append(queue, Candidate{Learner: GBDT}) // LightGBM's defaults, exactly
	}
	if s.allowed(Text) {
		// Text first: with free text it is the family most likely to win,
		// and a short budget should not end before it is tried.
		queue = append([]Candidate{textGrid(s.d.Task)[0]}, queue...)
	}
	if s.allowed(Linear) {
		queue = append(queue, linearCandidate(s.d.Task, 0))
	}
	if len(queue) > 0 {
		s.first = queue[0]
	}
	s.fitFloor(ctx)
	space := gbdtSpace(len(s.sch.folds[0].Train))
	ls := newLocalSearch(s.rng, gbdtDefaults(space))
	nextLinear, nextText := 1, 1
	for repeats := 0; s.finished() < maxTrials && repeats < maxRepeats; {
		if s.cfg.Trials > 0 && s.finished() >= s.cfg.Trials {
			return nil
		}
		var c Candidate
		var point []float64
		switch {
		case len(queue) > 0:
			c, queue = queue[0], queue[1:]
		case s.allowed(Text) && nextText < len(textGrid(s.d.Task)) && (!s.allowed(GBDT) || s.rng.Float64() < 0.4):
			c = textGrid(s.d.Task)[nextText]
			nextText++
		case s.allowed(Linear) && nextLinear < len(linearGrid) && (!s.allowed(GBDT) || s.rng.Float64() < 0.2):
			c = linearCandidate(s.d.Task, nextLinear)
			nextLinear++
		case s.allowed(GBDT):
			point = ls.next()
			c = gbdtCandidate(space, point)
		default:
			return nil // every family exhausted
		}
		key := c.key()
		if s.seen[key] {
			repeats++
			continue
		}
		s.seen[key], repeats = true, 0
		var t Trial
		if len(s.resume) > 0 {
			var err error
			if t, err = s.replay(s.resume[0], c); err != nil {
				return err
			}
			s.resume = s.resume[1:]
			s.trials = append(s.trials, t)
			s.keepBestHoldout()
		} else {
			if s.timed() && !s.affordable(c) {
				return nil
			}
			t = s.evaluate(ctx, c)
			if err := ctx.Err(); err != nil && t.Status == "timeout" && s.cfg.Deadline.IsZero() {
				return err
			}
			if errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err()
			}
			s.trials = append(s.trials, t)
			s.keepBestHoldout()
			if s.cfg.OnTrial != nil {
				s.cfg.OnTrial(t)
			}
		}
		if t.Status == "timeout" {
			return nil
		}
		if t.Status == "ok" && c.Learner == GBDT {
			if point == nil {
				point = gbdtDefaults(space)
			}
			ls.report(point, t.Score, s.metric.Better)
		}
	}
	return nil
}

// key identifies a candidate's configuration.
func (c Candidate) key() string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(c.Learner)
	for _, k := range keys {
		b.WriteString("," + k + "=" + c.Params[k])
	}
	return b.String()
}

// String formats the parameters as "k=v,k=v" in name order.
func (c Candidate) String() string {
	k := c.key()
	if i := strings.IndexByte(k, ','); i >= 0 {
		return k[i+1:]
	}
	return ""
}

// affordable reports whether a trial of c is expected to end before the time
// that must be kept for the final refit.
func (s *searcher) affordable(c Candidate) bool {
	left := time.Until(s.cfg.Deadline).Seconds() - s.reserve()
	if left <= 0 {
		return false
	}
	last := s.floorEstimate(c)
	for _, t := range s.trials {
		if t.Learner == c.Learner && t.Status == "ok" {
			last = t.Seconds
		}
	}
	return last < left
}

// reserve is the time kept for refitting the best trial on all rows: its
// per-fold time scaled to all rows, with a margin.
func (s *searcher) reserve() float64 {
	best, ok := s.bestTrial()
	if ok && s.floorFits(best) {
		return 0.2 // the best is already fit on all rows
	}
	if !ok && s.floor != nil {
		return 0.2 // the floor stands in when no trial finishes
	}
	if !ok {
		// Before any trial has finished, keep a quarter of the budget for a
		// fit on all rows in case none does.
		return math.Max(0.2, 0.25*s.cfg.Deadline.Sub(s.start).Seconds())
	}
	return 1.5*s.refitSeconds(best) + 0.2
}

// refitSeconds estimates the time to fit trial t on all rows.
func (s *searcher) refitSeconds(t Trial) float64 {
	n := float64(s.d.NumRows())
	train := float64(len(s.sch.folds[0].Train))
	return t.Seconds / float64(len(s.sch.folds)) * n / math.Max(1, train)
}

// bestTrial returns the best completed trial by mean score.
func (s *searcher) bestTrial() (Trial, bool) {
	var best Trial
	found := false
	for _, t := range s.trials {
		if t.Status == "ok" && (!found || s.metric.Better(t.Score, best.Score)) {
			best, found = t, true
		}
	}
	return best, found
}

// evaluate fits c on every fold and scores its out-of-fold predictions.
func (s *searcher) evaluate(ctx context.Context, c Candidate) Trial {
	t0 := time.Now()
	t := Trial{Number: len(s.trials), Candidate: c, Status: "ok", fingerprint: s.fp}
	if s.timed() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, s.cfg.Deadline.Add(-time.Duration(s.reserve()*float64(time.Second))))
		defer cancel()
	}
	w := width(s.d)
	oof := make([]float64, s.sch.size()*w)
	stop := func(err error) Trial {
		t.Seconds = time.Since(t0).Seconds()
		if ctx.Err() != nil {
			t.Status, t.Note = "timeout", "cut by the deadline; not counted"
		} else {
			t.Status, t.Note = "failed", err.Error()
		}
		return t
	}
	// Under cross-validation, a candidate that asks for early stopping gets
	// one iteration count from the mean validation curve (see curve.go).
	var curveModels []*gbdt.Model
	chosen := 0
	if s.meanCurvePatience(c) > 0 {
		var err error
		if curveModels, chosen, err = s.curveFolds(ctx, c); err != nil {
			return stop(err)
		}
	}
	iters := 0
	for fi, f := range s.sch.folds {
		var m fitted
		var err error
		if curveModels != nil {
			m = fitted{gbdt: truncated(curveModels[fi], chosen), iterations: chosen}
		} else {
			m, err = fit(ctx, s.d, c, s.cfg, f.Train, f.Valid)
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return stop(err)
		}
		preds := make([]float64, len(f.Valid)*w)
		if err := predict(s.d, m, f.Valid, preds); err != nil {
			t.Status, t.Note = "failed", err.Error()
			return t
		}
		for i, r := range f.Valid {
			copy(oof[(s.sch.rep[fi]*len(s.sch.oofRows)+s.sch.pos[r])*w:], preds[i*w:(i+1)*w])
		}
		iters += m.iterations
		if len(s.sch.folds) == 1 {
			t.holdout = &m
		}
	}
	t.Iterations = int(math.Round(float64(iters) / float64(len(s.sch.folds))))
	t.oof = oof
	t.FoldScores, t.Score = s.score(oof)
	if math.IsNaN(t.Score) {
		t.Status, t.Note = "failed", "its predictions could not be scored"
	} else {
		t.Metric, t.Metrics = s.metric.Name, s.trialMetrics(oof)
	}
	t.Seconds = time.Since(t0).Seconds()
	return t
}

// score computes the metric of out-of-fold predictions per group and their mean.
func (s *searcher) score(oof []float64) ([]float64, float64) {
	y, p := s.groupPredictions(oof)
	return meanScore(s.metric, y, p)
}

// groupPredictions splits out-of-fold predictions into the labels and
// predictions of each scoring group (a fold, or a holdout chunk).
func (s *searcher) groupPredictions(oof []float64) ([][]float64, []metrics.Predictions) {
	w := width(s.d)
	ys := make([][]float64, len(s.sch.groups))
	ps := make([]metrics.Predictions, len(s.sch.groups))
	for g, pos := range s.sch.groups {
		y := make([]float64, len(pos))
		var p metrics.Predictions
		if s.d.Task == Regression {
			p.Values = make([]float64, len(pos))
		} else {
			p.Proba = make([][]float64, len(pos))
		}
		for i, q := range pos {
			y[i] = s.d.Label[s.sch.row(q)]
			if p.Values != nil {
				p.Values[i] = oof[q]
			} else {
				p.Proba[i] = oof[q*w : (q+1)*w]
			}
		}
		ys[g], ps[g] = y, p
	}
	return ys, ps
}

// meanScore computes metric m of each group's predictions and their mean; a
// group that cannot be scored scores NaN.
func meanScore(m metrics.Metric, ys [][]float64, ps []metrics.Predictions) ([]float64, float64) {
	scores := make([]float64, len(ys))
	sum := 0.0
	for g := range ys {
		v, err := m.Compute(ys[g], ps[g])
		if err != nil {
			v = math.NaN()
		}
		scores[g] = v
		sum += v
	}
	return scores, sum / float64(len(scores))
}

// significantlyBetter reports whether fold scores a beat b by more than the
// noise: the mean paired difference exceeds its standard error.
func (s *searcher) significantlyBetter(a, b []float64) (bool, float64, float64) {
	k := len(a)
	diff := make([]float64, k)
	mean := 0.0
	for i := range a {
		diff[i] = a[i] - b[i]
		if !s.metric.HigherIsBetter {
			diff[i] = -diff[i]
		}
		mean += diff[i]
	}
	mean /= float64(k)
	v := 0.0
	for _, x := range diff {
		v += (x - mean) * (x - mean)
	}
	se := 0.0
	if k > 1 {
		se = math.Sqrt(v / float64(k-1) / float64(k))
	}
	if s.sch != nil && s.sch.repeats > 1 {
		// Repeats score the same rows again: they steady the mean but are
		// not independent evidence, so the noise is that of one repeat.
		se *= math.Sqrt(float64(s.sch.repeats))
	}
	return mean > se, mean, se
}

// keepBestHoldout drops the holdout models of every trial but the best, so a
// long search holds one extra model at most.
func (s *searcher) keepBestHoldout() {
	best, ok := s.bestTrial()
	for i := range s.trials {
		if !ok || s.trials[i].Number != best.Number {
			s.trials[i].holdout = nil
		}
	}
}
