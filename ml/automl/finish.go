package automl

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/trainyard/trainyard/ml/metrics"
)

// ensembleRounds bounds the greedy ensemble selection; ensembleTop is how many
// of the best trials it draws from.
const (
	ensembleRounds = 20
	ensembleTop    = 8
)

// finish picks the winner (a blend when one beats the best single model by
// more than the noise), writes every trial's note and refits on all rows.
func (s *searcher) finish(ctx context.Context) (*Result, error) {
	res := &Result{Metric: s.metric, Validation: s.sch.desc, Finished: s.finished(), Width: width(s.d), OOFRows: s.sch.oofRows}
	base := -1
	for i, t := range s.trials {
		if t.Status == "ok" {
			base = i
			break
		}
	}
	if base < 0 {
		return s.fallback(ctx, res)
	}
	best, _ := s.bestTrial()
	winner := s.trials[base]
	if best.Number != base {
		if ok, gain, se := s.significantlyBetter(best.FoldScores, winner.FoldScores); ok {
			winner = best
			s.trials[best.Number].Note = fmt.Sprintf("won: %s %.5g beats the first candidate's %.5g by %.3g (noise ±%.3g)", s.metric.Name, best.Score, s.trials[base].Score, gain, se)
		} else {
			s.trials[best.Number].Note = fmt.Sprintf("best mean %s %.5g, but its gain %.3g over the first candidate is within the noise (±%.3g): the first candidate stays", s.metric.Name, best.Score, gain, se)
		}
	}
	if winner.Number == base {
		s.trials[base].Note = fmt.Sprintf("won: the first candidate, %s %.5g; no other beat it by more than the validation noise", s.metric.Name, winner.Score)
	}
	for i, t := range s.trials {
		if t.Status == "ok" && i != winner.Number && s.trials[i].Note == "" {
			s.trials[i].Note = fmt.Sprintf("lost: %s %.5g vs the winner's %.5g", s.metric.Name, t.Score, winner.Score)
		}
	}
	if text := metricsText(winner.Metrics, s.metric.Name); text != "" {
		s.trials[winner.Number].Note += "; on the same validation: " + text
	}
	res.Best = winner.Number
	members, oof, score := []Member{{Trial: winner.Number, Candidate: winner.Candidate, Weight: 1}}, winner.oof, winner.Score
	if !s.cfg.NoEnsemble {
		if m, o, sc, note := s.ensemble(winner); m != nil && s.canRefit(m) {
			members, oof, score = m, o, sc
			s.trials[winner.Number].Note += "; " + note
		}
	}
	res.Trials, res.OOF, res.Score = s.trials, s.sch.collapse(oof, width(s.d)), score
	if len(members) == 1 && s.floorFits(winner) {
		members[0].GBDT = s.floor.gbdt
		s.trials[winner.Number].Note += "; its fit on all rows was made first, before the search"
		res.Members = members
		return res, nil
	}
	if h := winner.holdout; len(members) == 1 && h != nil && !s.canRefit(members) {
		// No time to refit on all rows: deploy the model validated on the holdout,
		// rather than a refit cut short by the deadline.
		members[0].GBDT, members[0].Linear, members[0].Text = h.gbdt, h.linear, h.text
		s.trials[winner.Number].Note += "; kept as trained on the training split: the budget leaves no time to refit on all rows"
		res.Members = members
		return res, nil
	}
	if err := s.refitMembers(ctx, members); err != nil {
		return nil, err
	}
	res.Members = members
	return res, nil
}

// refitMembers fits every member on all rows. Under a clock the members
// share the time to finalDeadline rather than racing for it: they are fit
// from the quickest expected to the slowest, each within its refitShare of
// the time still left, so a member slower than expected is cut at its share
// instead of leaving the others nothing, and what a quick member leaves
// unused goes to those after it.
func (s *searcher) refitMembers(ctx context.Context, members []Member) error {
	var end time.Time
	if s.timed() {
		end = s.finalDeadline()
	}
	order := make([]int, len(members))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return s.memberRefitSeconds(members[order[a]]) < s.memberRefitSeconds(members[order[b]])
	})
	for k, i := range order {
		mctx, cancel := shareContext(ctx, end, s.refitShare(members, order[k:]))
		t := s.trials[members[i].Trial]
		m, err := fit(mctx, s.d, refitCandidate(t), s.cfg, nil, nil)
		cancel()
		if err != nil && m.gbdt == nil && m.linear == nil && m.text == nil {
			return fmt.Errorf("refit %s: %w", t.Learner, err)
		}
		if err != nil {
			s.trials[t.Number].Note += fmt.Sprintf("; its refit on all rows was cut by the deadline after %d iterations", m.iterations)
		}
		members[i].GBDT, members[i].Linear, members[i].Text = m.gbdt, m.linear, m.text
		members[i].Candidate = refitCandidate(t)
	}
	return nil
}

// refitShare is the part of the time left that members[rest[0]] gets when
// members[rest] are still to be refit: its part of their expected refit
// time, but at least half an equal share, as the estimates are only
// estimates; the last member gets all that is left.
func (s *searcher) refitShare(members []Member, rest []int) float64 {
	if len(rest) == 1 {
		return 1
	}
	total := 0.0
	for _, i := range rest {
		total += s.memberRefitSeconds(members[i])
	}
	equal := 1 / float64(len(rest))
	if total <= 0 {
		return equal
	}
	return max(s.memberRefitSeconds(members[rest[0]])/total, equal/2)
}

// shareContext ends after the given share of the time left to end, or
// never when end is zero.
func shareContext(ctx context.Context, end time.Time, share float64) (context.Context, context.CancelFunc) {
	if end.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, time.Now().Add(time.Duration(share*float64(time.Until(end)))))
}

// memberRefitSeconds estimates the time to refit m on all rows.
func (s *searcher) memberRefitSeconds(m Member) float64 {
	return s.refitSeconds(s.trials[m.Trial])
}

// refitContext bounds the final fits on all rows by finalDeadline (not in a
// replay).
func (s *searcher) refitContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if !s.timed() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, s.finalDeadline())
}

// finalDeadline is when the final fits on all rows must end: the deadline,
// but no sooner than the overrun allowance from now, so that a budget spent
// before they start (a slow or busy machine, a budget too small for the
// data) still leaves them time to learn something; and never more than the
// allowance past the deadline (or past the start of the search, when the
// caller's deadline had passed by then).
func (s *searcher) finalDeadline() time.Time {
	allowance := Overrun(s.cfg.Deadline.Sub(s.start))
	end := time.Now().Add(allowance)
	if end.Before(s.cfg.Deadline) {
		return s.cfg.Deadline
	}
	limit := s.cfg.Deadline
	if s.start.After(limit) {
		limit = s.start
	}
	if limit = limit.Add(allowance); end.After(limit) {
		return limit
	}
	return end
}

// Overrun is how far past its deadline a search of the given budget may end,
// max(5% of the budget, 2 s): the tolerance of the final fits on all rows
// (see Config.Deadline), which callers state to those who set the budget.
func Overrun(budget time.Duration) time.Duration {
	return max(budget/20, 2*time.Second)
}

// canRefit reports whether refitting every member fits in the time left.
func (s *searcher) canRefit(members []Member) bool {
	if !s.timed() {
		return true
	}
	need := 0.0
	for _, m := range members {
		need += s.memberRefitSeconds(m)
	}
	return need*1.3 < time.Until(s.cfg.Deadline).Seconds()
}

// refitCandidate is trial t's configuration for a fit on all rows: early
// stopping is replaced by the iteration count validation chose (Trial.Iterations),
// scaled up a little for the larger data.
func refitCandidate(t Trial) Candidate {
	if _, ok := t.Params["early_stopping_round"]; !ok || t.Learner == Linear {
		return t.Candidate
	}
	p := make(map[string]string, len(t.Params))
	for k, v := range t.Params {
		if k != "early_stopping_round" {
			p[k] = v
		}
	}
	p["num_iterations"] = strconv.Itoa(max(1, int(math.Round(float64(t.Iterations)*1.1))))
	return Candidate{Learner: t.Learner, Params: p}
}

// ensemble runs greedy ensemble selection with replacement (Caruana et al.,
// 2004) over the best trials' out-of-fold predictions, and returns the blend
// when it beats the winner by more than the noise.
func (s *searcher) ensemble(winner Trial) ([]Member, []float64, float64, string) {
	var pool []Trial
	for _, t := range s.trials {
		if t.Status == "ok" && t.oof != nil {
			pool = append(pool, t)
		}
	}
	sort.SliceStable(pool, func(i, j int) bool { return s.metric.Better(pool[i].Score, pool[j].Score) })
	if len(pool) > ensembleTop {
		pool = pool[:ensembleTop]
	}
	if len(pool) < 2 {
		return nil, nil, 0, ""
	}
	counts := make([]int, len(pool))
	sum := make([]float64, len(winner.oof))
	blend := make([]float64, len(sum))
	total := 0
	var bestScores []float64
	bestScore := math.NaN()
	for round := 0; round < ensembleRounds; round++ {
		pick, pickScore := -1, math.NaN()
		var pickFolds []float64
		for i, t := range pool {
			for q := range sum {
				blend[q] = (sum[q] + t.oof[q]) / float64(total+1)
			}
			folds, sc := s.score(blend)
			if pick < 0 || s.metric.Better(sc, pickScore) {
				pick, pickScore, pickFolds = i, sc, folds
			}
		}
		if total > 0 && !s.metric.Better(pickScore, bestScore) {
			break
		}
		counts[pick]++
		total++
		for q := range sum {
			sum[q] += pool[pick].oof[q]
		}
		bestScore, bestScores = pickScore, pickFolds
	}
	var members []Member
	for i, c := range counts {
		if c > 0 {
			members = append(members, Member{Trial: pool[i].Number, Candidate: pool[i].Candidate, Weight: float64(c) / float64(total)})
		}
	}
	if len(members) < 2 {
		return nil, nil, 0, ""
	}
	ok, gain, se := s.significantlyBetter(bestScores, winner.FoldScores)
	if !ok {
		return nil, nil, 0, ""
	}
	oof := make([]float64, len(sum))
	for q := range sum {
		oof[q] = sum[q] / float64(total)
	}
	return members, oof, bestScore, fmt.Sprintf("blended with %d other models by ensemble selection: %s %.5g (+%.3g, noise ±%.3g)", len(members)-1, s.metric.Name, bestScore, gain, se)
}

// fitFixed fits one given candidate on all rows, with no search.
func fitFixed(ctx context.Context, d *Data, cfg *Config, metric metrics.Metric, start time.Time) (*Result, error) {
	m, err := fit(ctx, d, *cfg.Fixed, cfg, nil, nil)
	if err != nil {
		return nil, err
	}
	t := Trial{Candidate: *cfg.Fixed, Status: "ok", Iterations: m.iterations, Seconds: time.Since(start).Seconds(), Note: "the one candidate asked for; no search"}
	return &Result{
		Metric: metric, Validation: "none (one exact fit)", Trials: []Trial{t}, Finished: 1, Width: width(d),
		Members: []Member{{Candidate: *cfg.Fixed, Weight: 1, GBDT: m.gbdt, Linear: m.linear, Text: m.text}},
		Seconds: time.Since(start).Seconds(),
	}, nil
}

// fallback fits the first candidate on all rows with the time left when no
// trial finished validation: a budget too small for the data still yields the
// best model it allows, and the result says so.
func (s *searcher) fallback(ctx context.Context, res *Result) (*Result, error) {
	if s.first.Learner == "" {
		return nil, fmt.Errorf("%w (no learner allowed)", ErrNoCandidate)
	}
	m, cut := fitted{}, s.floorCut
	if s.floor != nil {
		m = *s.floor
	} else {
		ctx, cancel := s.refitContext(ctx)
		defer cancel()
		var err error
		m, err = fit(ctx, s.d, s.first, s.cfg, nil, nil)
		if m.gbdt == nil && m.linear == nil && m.text == nil {
			return nil, fmt.Errorf("%w: %v", ErrNoCandidate, err)
		}
		cut = err != nil
	}
	res.Validation += "; no candidate finished validation within the budget, so the first was fit on all rows unvalidated"
	note := fmt.Sprintf("not validated: the budget ran out; fit on all rows (%d iterations)", m.iterations)
	if cut {
		note = fmt.Sprintf("not validated and undertrained: the budget ran out; its fit on all rows was cut by the deadline after %d iterations", m.iterations)
	}
	if len(s.trials) == 0 {
		s.trials = append(s.trials, Trial{Candidate: s.first, Status: "timeout"})
	}
	s.trials[0].Note = note
	res.Trials = s.trials
	res.Members = []Member{{Trial: 0, Candidate: s.first, Weight: 1, GBDT: m.gbdt, Linear: m.linear, Text: m.text}}
	return res, nil
}
