package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/metrics"
)

// maxTrainAttempts bounds the tries of one training iteration.
const maxTrainAttempts = 3

// trainConfig is what one training iteration runs with.
type trainConfig struct {
	Families      []string `json:"families"`
	BudgetSeconds float64  `json:"budget_seconds"`
	Balance       bool     `json:"balance"`
	Metric        string   `json:"metric"`
	Seed          uint64   `json:"seed"`
}

// trialSummary is one search trial, for decisions and the report.
type trialSummary struct {
	Number  int     `json:"number"`
	Learner string  `json:"learner"`
	Params  string  `json:"params"`
	Score   float64 `json:"score"`
	Seconds float64 `json:"seconds"`
	Status  string  `json:"status"`
	Note    string  `json:"note,omitempty"`
}

// trainState is the output of one training iteration.
type trainState struct {
	Iteration      int            `json:"iteration"`
	Config         trainConfig    `json:"config"`
	Metric         string         `json:"metric"`
	HigherIsBetter bool           `json:"higher_is_better"`
	Validation     string         `json:"validation"`
	Score          float64        `json:"score"`
	Finished       int            `json:"finished"`
	Best           int            `json:"best"`
	Trials         []trialSummary `json:"trials"`
	Members        []string       `json:"members"`
	// Learners are the learner families of the blend's members (Members says them with their
	// weights, for people).
	Learners []string `json:"learners,omitempty"`
	Seconds  float64  `json:"seconds"`
	Attempts int      `json:"attempts"`
	// Replayed counts the trials taken from an interrupted run's records instead of fitted.
	Replayed int `json:"replayed,omitempty"`
	// Untimed says the search ran a fixed number of trials with no clock (TrainResult.Untimed):
	// the budget did not bound it.
	Untimed bool `json:"untimed,omitempty"`
	// OOF are out-of-fold predictions (Width per row) with the encoded labels of those rows.
	OOF       []float64 `json:"oof"`
	OOFLabels []float64 `json:"oof_labels"`
	Width     int       `json:"width"`
	Classes   []string  `json:"classes,omitempty"`
}

// metric is the metric the iteration's search optimized, with the direction it recorded; it
// judges validation scores, and cannot compute one.
func (st *trainState) metric() metrics.Metric {
	return metrics.Metric{Name: st.Metric, HigherIsBetter: st.HigherIsBetter}
}

// trainProgress is the checkpoint a running search writes, so a worker that resumes the stage
// knows what was lost.
type trainProgress struct {
	Worker  string    `json:"worker"`
	Started time.Time `json:"started"`
	Trials  int       `json:"trials"`
	Best    *float64  `json:"best,omitempty"`
}

func trainKey(iter int) string         { return fmt.Sprintf("train-%d.json", iter) }
func trainModelKey(iter int) string    { return fmt.Sprintf("train-%d.model.gz", iter) }
func trainProgressKey(iter int) string { return fmt.Sprintf("train-%d.progress.json", iter) }

// iterationConfig derives the configuration of an iteration from the recorded plan and the
// change the last evaluation asked for.
func (p *Pipeline) iterationConfig(ctx context.Context, r *run, ds *dataState) (trainConfig, *iterationChange, error) {
	var plan trainyardv1.TrainingPlan
	if err := fromProtoJSON(r.proj.Plan, &plan); err != nil {
		return trainConfig{}, nil, fmt.Errorf("read plan: %w", err)
	}
	cfg := trainConfig{Families: planFamilies(&plan), Balance: ds.Balance, Metric: plan.GetMetric(), Seed: p.opts.Seed}
	if len(cfg.Families) == 0 {
		cfg.Families = []string{automl.GBDT}
	}
	budget := p.opts.MinBudget
	if plan.GetBudget() != nil {
		budget = plan.GetBudget().AsDuration()
	} else if r.proj.BudgetSeconds > 0 {
		budget = time.Duration(r.proj.BudgetSeconds) * time.Second
	}
	cfg.BudgetSeconds = min(budget, p.opts.MaxBudget).Seconds()
	var ev evalState
	err := p.getJSON(ctx, stateKey(r.proj.ID, evalKey), &ev)
	if err != nil && !errors.Is(err, errNoState) {
		return cfg, nil, err
	}
	ch := ev.Next
	if ch != nil && ch.Iteration == iterationOf(r) {
		if ch.Balance {
			cfg.Balance = true
		}
		if ch.BudgetFactor > 0 {
			cfg.BudgetSeconds = min(cfg.BudgetSeconds*ch.BudgetFactor, p.opts.MaxBudget.Seconds())
		}
		if len(ch.Families) > 0 {
			cfg.Families = ch.Families
		}
		cfg.Seed += uint64(ch.Iteration)
		return cfg, ch, nil
	}
	return cfg, nil, nil
}

// iterationOf returns the project's iteration (at least 1).
func iterationOf(r *run) int { return max(1, r.proj.Iteration) }

// trainStage is TRAINING: the TrainingManager runs the search on the training rows with the
// recorded plan, retrying failures with adjusted parameters.
func (p *Pipeline) trainStage(ctx context.Context, r *run) (*outcome, error) {
	iter := iterationOf(r)
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	cfg, change, err := p.iterationConfig(ctx, r, &ds)
	if err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageEvaluation, message: fmt.Sprintf("iteration %d trained", iter)}
	if change != nil {
		out.logs = append(out.logs, fmt.Sprintf("iteration %d: %s", iter, change.Change))
	}

	// A search that finished but was not committed (the worker died in between) is reused.
	var done trainState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(iter)), &done); err == nil && sameConfig(done.Config, cfg) {
		out.logs = append(out.logs, fmt.Sprintf("reused the finished search of iteration %d from an interrupted attempt", iter))
		out.decide(p.trainDecision(&done))
		return out, nil
	}
	var prev trainProgress
	var resume []automl.TrialRecord
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainProgressKey(iter)), &prev); err == nil {
		if resume, err = p.loadTrials(ctx, r.proj.ID, iter); err != nil {
			return nil, err
		}
		how := "The search is restarted with the full budget"
		if len(resume) > 0 {
			how = fmt.Sprintf("The search resumes: the %d trials it recorded as they finished are replayed, not fitted again, and the rest of the search runs with the full budget", len(resume))
		}
		out.decide(p.ruled(typeRecovery, fmt.Sprintf("resume iteration %d's search: the previous worker stopped", iter),
			fmt.Sprintf("Worker %s started this search at %s and stopped after %d trials without committing (its lease expired). %s; the split and plan are unchanged, so the result is comparable.",
				prev.Worker, prev.Started.Format(time.RFC3339), prev.Trials, how),
			[]decision.Alternative{alt("resume the stage", 0.8, "same data and plan, finished trials kept"), alt("fail the project", 0.1, "the work is recoverable")},
			map[string]any{"previous_worker": prev.Worker, "trials_done": prev.Trials, "trials_replayed": len(resume), "best_so_far": prev.Best}))
	}

	f, err := p.loadFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	st, res, err := p.trainAttempts(ctx, r, out, f.Take(ds.Train), &ds, cfg, iter, resume)
	if err != nil {
		return nil, err
	}
	stored := p.now()
	if err := p.putArtifact(ctx, stateKey(r.proj.ID, trainModelKey(iter)), res.Artifact); err != nil {
		return nil, err
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, trainKey(iter)), st); err != nil {
		return nil, err
	}
	p.clearTrials(ctx, r.proj.ID, iter) // the finished search above is what a resumed worker reuses
	out.decide(p.trainDecision(st))
	out.logs = append(out.logs, st.finishedLine())
	if line := p.overBudgetLine(r, cfg.budget(), stored); line != "" {
		out.logs = append(out.logs, line)
	}
	return out, nil
}

// sameConfig reports whether a stored search ran with cfg.
func sameConfig(a, b trainConfig) bool {
	return slices.Equal(a.Families, b.Families) && a.BudgetSeconds == b.BudgetSeconds && a.Balance == b.Balance && a.Metric == b.Metric && a.Seed == b.Seed
}

// search runs one training attempt within budget, with progress and a checkpoint: every
// finished trial's record is stored as it finishes, so a worker that resumes the stage replays
// it (resume holds the records of an interrupted run; nil starts afresh).
func (p *Pipeline) search(ctx context.Context, r *run, f *frame.Frame, ds *dataState, cfg trainConfig, budget time.Duration, iter int, resume []automl.TrialRecord) (*TrainResult, error) {
	start := p.now()
	if len(resume) == 0 {
		p.clearTrials(ctx, r.proj.ID, iter) // records of an earlier attempt would not replay
	}
	var mu sync.Mutex
	var trialSecs float64
	trials, fitted := len(resume), 0
	best := nan()
	lastCkpt := time.Time{}
	ckpt := func(force bool) {
		if !force && time.Since(lastCkpt) < 2*time.Second {
			return
		}
		lastCkpt = time.Now()
		tp := trainProgress{Worker: p.opts.WorkerID, Started: start, Trials: trials}
		if best == best {
			b := best
			tp.Best = &b
		}
		if err := p.putJSON(ctx, stateKey(r.proj.ID, trainProgressKey(iter)), tp); err != nil && ctx.Err() == nil {
			p.log.Warn("training checkpoint", "project", r.proj.ID, "err", err)
		}
	}
	ckpt(true)
	r.progress(0, budget.Seconds()*1.3, fmt.Sprintf("iteration %d: searching %s for %s", iter, strings.Join(cfg.Families, ", "), budget.Round(100*time.Millisecond)), true)
	job := TrainJob{
		Frame: f, Target: ds.Target, Task: ds.Task, Drop: ds.dropNames(), Metric: cfg.Metric,
		Families: cfg.Families, Budget: budget, Seed: cfg.Seed, BalanceClasses: cfg.Balance, TimeColumn: ds.TimeColumn,
		Resume: resume,
		OnTrial: func(t automl.Trial) {
			mu.Lock()
			defer mu.Unlock()
			if t.Status != "timeout" {
				if err := p.saveTrial(ctx, r.proj.ID, iter, t.Record()); err != nil && ctx.Err() == nil {
					p.log.Warn("record trial", "project", r.proj.ID, "trial", t.Number, "err", err)
				}
			}
			trials++
			fitted++
			trialSecs += t.Seconds
			if t.Status == "ok" && (best != best || t.Score > best) {
				best = t.Score
			}
			elapsed := p.now().Sub(start).Seconds()
			frac := elapsed / max(1e-9, budget.Seconds())
			// What is left of the budget, plus the final refit on all rows: a few single fits,
			// each about a fold's share of a measured trial on 25% more rows.
			refit := 3 * trialSecs / float64(fitted) / 5 * 1.25
			eta := max(0, budget.Seconds()-elapsed) + refit
			r.progress(frac, eta, fmt.Sprintf("iteration %d: %s", iter, trialLine(t)), false)
			ckpt(false)
		},
	}
	return p.trainer.Train(ctx, job)
}

// trialLine describes a finished trial for a progress message: its learner, status, metrics by
// name and note, e.g. "trial 7 gbdt ok: auc 0.8525, accuracy 0.8021".
func trialLine(t automl.Trial) string {
	line := fmt.Sprintf("trial %d %s %s", t.Number, t.Learner, t.Status)
	if ms := t.MetricsText(); ms != "" {
		line += ": " + ms
	}
	if t.Note != "" {
		line += " (" + trimNote(t.Note) + ")"
	}
	return line
}

// trimNote shortens a trial note for a progress message.
func trimNote(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// newTrainState summarizes a result.
func newTrainState(iter int, cfg trainConfig, res *TrainResult, attempts int) *trainState {
	st := &trainState{Iteration: iter, Config: cfg, Metric: res.Metric, HigherIsBetter: res.HigherIsBetter,
		Validation: res.Validation, Score: res.Score, Finished: res.Finished, Best: res.Best,
		Seconds: res.Seconds, Attempts: attempts, Width: res.Width, Classes: res.Classes, Untimed: res.Untimed}
	for _, t := range res.Trials {
		st.Trials = append(st.Trials, trialSummary{Number: t.Number, Learner: t.Learner, Params: t.Candidate.String(),
			Score: t.Score, Seconds: t.Seconds, Status: t.Status, Note: t.Note})
	}
	for _, m := range res.Artifact.Members {
		st.Members = append(st.Members, fmt.Sprintf("%s×%.2f", m.Learner, m.Weight))
		st.Learners = append(st.Learners, m.Learner)
	}
	st.OOF = res.OOF
	st.OOFLabels = make([]float64, len(res.OOFRows))
	for i, r := range res.OOFRows {
		st.OOFLabels[i] = res.Labels[r]
	}
	return st
}

// trainDecision records which model the search chose among its trials: the best-scored trials
// best first, with the best one's lead on the metric over the out-of-fold rows as the
// confidence.
func (p *Pipeline) trainDecision(st *trainState) decision.Decision {
	m := st.metric()
	ok := []trialSummary{}
	for _, t := range st.Trials {
		if t.Status == "ok" {
			ok = append(ok, t)
		}
	}
	sort.SliceStable(ok, func(i, j int) bool { return m.Better(ok[i].Score, ok[j].Score) })
	var alts []decision.Alternative
	listed := map[int]bool{}
	for i, t := range ok {
		if i == 6 {
			break
		}
		alts = append(alts, decision.Alternative{Option: t.option(), Score: decision.Score(t.Score), Note: trimNote(t.Note)})
		listed[t.Number] = true
	}
	winner := fmt.Sprintf("trial %d", st.Best)
	for _, t := range st.Trials {
		if t.Number == st.Best {
			winner = fmt.Sprintf("trial %d (%s %s)", t.Number, t.Learner, t.settings())
		}
	}
	rivals := st.familyRivals()
	for _, r := range rivals {
		if !listed[r.Number] {
			alts = append(alts, decision.Alternative{Option: r.option(), Score: decision.Score(r.Score), Note: "the best " + r.Learner})
		}
	}
	judged := []decision.Alternative{{Option: winner, Score: decision.Score(st.Score)}}
	for _, r := range rivals {
		judged = append(judged, decision.Alternative{Option: r.Learner, Score: decision.Score(r.Score)})
	}
	return p.decided(typeModelChoice,
		fmt.Sprintf("iteration %d: %s, validation %s %.4g (blend: %s)", st.Iteration, winner, st.Metric, st.Score, strings.Join(st.Members, " + ")),
		fmt.Sprintf("The search evaluated %d candidates by %s; a challenger replaced the first candidate only when it beat it by more than the validation noise, and the best were blended when the blend scored better out of fold. Alternatives are scored by their validation %s. The confidence is the chosen model's lead over the best model of each learner family it does not use: trials of one family that differ by a few settings often tie, which says nothing about whether the choice is right.",
			st.Finished, st.Validation, st.Metric),
		alts, map[string]any{"iteration": st.Iteration, "trials": len(st.Trials), "finished": st.Finished, "metric": st.Metric,
			"higher_is_better": st.HigherIsBetter, "validation": st.Validation, "seconds": round3(st.Seconds),
			"families": st.Config.Families, "budget_seconds": st.Config.BudgetSeconds, "balance": st.Config.Balance, "attempts": st.Attempts, "replayed": st.Replayed,
			"cut_trials": st.cutTrials(), "untimed": st.Untimed},
		leadConfidence(m, len(st.OOFLabels), judged))
}

// option names a trial among a decision's alternatives: "trial 7: gbdt num_leaves=63,...".
func (t trialSummary) option() string {
	return fmt.Sprintf("trial %d: %s %s", t.Number, t.Learner, t.settings())
}

// settings are a trial's parameters, or what a trial without any used.
func (t trialSummary) settings() string {
	if t.Params == "" {
		return "with its defaults"
	}
	return t.Params
}

// familyRivals returns the best ok trial of each learner family the chosen model does not use
// (its blend's members and the best trial's), in the order the families were first tried.
func (st *trainState) familyRivals() []trialSummary {
	m := st.metric()
	chosen := map[string]bool{}
	for _, l := range st.Learners {
		chosen[l] = true
	}
	for _, t := range st.Trials {
		if t.Number == st.Best {
			chosen[t.Learner] = true
		}
	}
	var best []trialSummary
	for _, t := range st.Trials {
		if t.Status != "ok" || chosen[t.Learner] {
			continue
		}
		i := slices.IndexFunc(best, func(b trialSummary) bool { return b.Learner == t.Learner })
		switch {
		case i < 0:
			best = append(best, t)
		case m.Better(t.Score, best[i].Score):
			best[i] = t
		}
	}
	return best
}
