package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/prep"
	"github.com/trainyard/trainyard/ml/train"
)

// trialsDir names the folder of an iteration's finished-trial records: one blob per trial,
// written as the trial finishes by the worker that holds the stage's lease, so a worker that
// resumes the stage after a crash replays them instead of fitting them again.
func trialsDir(iter int) string { return fmt.Sprintf("train-%d.trials/", iter) }

// trialKey names one trial's record.
func trialKey(id uuid.UUID, iter, number int) string {
	return stateKey(id, fmt.Sprintf("%s%05d.json", trialsDir(iter), number))
}

// saveTrial stores the record of a finished trial.
func (p *Pipeline) saveTrial(ctx context.Context, id uuid.UUID, iter int, rec automl.TrialRecord) error {
	return p.putJSON(ctx, trialKey(id, iter, rec.Number), rec)
}

// loadTrials returns the records of the trials an earlier run of the iteration finished, in
// order, up to the first one missing or unreadable (a search replays only an unbroken
// prefix).
func (p *Pipeline) loadTrials(ctx context.Context, id uuid.UUID, iter int) ([]automl.TrialRecord, error) {
	var out []automl.TrialRecord
	for n := 0; ; n++ {
		var rec automl.TrialRecord
		err := p.getJSON(ctx, trialKey(id, iter, n), &rec)
		switch {
		case errors.Is(err, errNoState):
			return out, nil
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.log.Warn("unreadable trial record: resuming from the ones before it", "project", id, "trial", n, "err", err)
			return out, nil
		case rec.Number != n:
			return out, nil
		}
		out = append(out, rec)
	}
}

// clearTrials deletes an iteration's trial records.
func (p *Pipeline) clearTrials(ctx context.Context, id uuid.UUID, iter int) {
	if err := p.blobs.DeletePrefix(ctx, stateKey(id, trialsDir(iter))); err != nil && ctx.Err() == nil {
		p.log.Warn("delete trial records", "project", id, "iteration", iter, "err", err)
	}
}

// The training stage keeps its budget within a stated tolerance, also on a busy machine:
//
//   - Every attempt of the stage's search (a retry after a failed one, a fresh search after
//     resume records that do not fit) draws on one deadline, the stage's start plus its budget,
//     not on a full budget each; no retry is made once the budget is spent.
//   - Within an attempt the search starts no trial it expects to end after the time it keeps
//     for its final fits, and cuts a running one then, at the end of the boosting iteration in
//     progress (one tree per class): a cut trial is not counted and its partial fit is
//     discarded. The final fits on all rows may overrun the deadline by max(5% of the budget,
//     2 s) at most (automl.Config.Deadline), so that a budget spent before any trial finished
//     still yields a model. A refit that would not end in time is skipped when the model
//     validated on a holdout can stand in, and cut at the allowance otherwise; the winning
//     trial's note says which.
//
// So the stage ends within its budget plus max(5% of the budget, 2 s) (the tolerance,
// automl.Overrun), plus the time to store the model, which grows with its trees; when it ends
// later the stage's log says by how much, and how much of it the store took. A resumed stage
// (its worker's lease expired) starts its budget afresh: the worker that resumes it cannot
// tell how much of the dead worker's time was work. A trainer that replays a fixed number of
// trials with no clock is not bound by the budget at all (TrainResult.Untimed), and the
// stage's log says so.

// trainAttempts runs the stage's search, retrying a failed attempt with adjusted parameters
// (maxTrainAttempts in all), every attempt within what is left of the stage's budget.
func (p *Pipeline) trainAttempts(ctx context.Context, r *run, out *outcome, f *frame.Frame, ds *dataState, cfg trainConfig, iter int, resume []automl.TrialRecord) (*trainState, *TrainResult, error) {
	budget := cfg.budget()
	end := r.started.Add(budget)
	for attempt := 1; ; attempt++ {
		res, err := p.search(ctx, r, f, ds, cfg, attemptBudget(end.Sub(p.now())), iter, resume)
		if err == nil {
			st := newTrainState(iter, cfg, res, attempt)
			st.Replayed = len(resume)
			return st, res, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if len(resume) > 0 && errors.Is(err, automl.ErrResumeMismatch) {
			// The records belong to another search (another plan or attempt): start afresh.
			r.logf(fmt.Sprintf("the %d recorded trials do not fit this search (%v); searching afresh", len(resume), err))
			resume = nil
			attempt--
			continue
		}
		if errors.Is(err, train.ErrOptions) || errors.Is(err, prep.ErrNoFeatures) {
			// The data leaves nothing to learn from: retrying with other learners cannot help.
			return nil, nil, &UserError{
				Message:     fmt.Sprintf("the data leaves nothing to train on: %v", err),
				Suggestions: []string{"Add columns that describe each row (numbers, categories, dates)", "Check that the columns are not identifiers or constant"},
			}
		}
		left := end.Sub(p.now())
		if attempt >= maxTrainAttempts || left <= 0 {
			return nil, nil, attemptsFailed(attempt, err, budget, left)
		}
		next, change := retryConfig(cfg, attempt, ds)
		out.decide(p.ruled(typeRecovery, fmt.Sprintf("retry training (attempt %d of %d): %s", attempt+1, maxTrainAttempts, change),
			fmt.Sprintf("Attempt %d failed: %v. Retrying with adjusted parameters within the %s left of the %s budget (the attempts share it).", attempt, err, left.Round(100*time.Millisecond), budget),
			[]decision.Alternative{alt("retry with "+change, 0.7, "the failure may depend on the learner"), alt("fail the project", 0.2, "attempts remain")},
			map[string]any{"attempt": attempt, "error": err.Error(), "families": next.Families, "balance": next.Balance, "seconds_left": round3(left.Seconds())}))
		r.logf(fmt.Sprintf("training attempt %d failed: %v; retrying with %s in the %s left of the budget", attempt, err, change, left.Round(100*time.Millisecond)))
		cfg = next
	}
}

// attemptBudget is the budget an attempt gets from what is left of the stage's: all of it, or,
// when nothing is left (the data took the budget to load), a token one, with which the search
// fits its first candidate on all rows in its overrun allowance rather than fail.
func attemptBudget(left time.Duration) time.Duration {
	return max(left, time.Millisecond)
}

// attemptsFailed is the error of a stage whose attempts all failed, or whose budget the failed
// ones spent (left <= 0).
func attemptsFailed(attempt int, err error, budget, left time.Duration) error {
	if left <= 0 && attempt < maxTrainAttempts {
		return &UserError{
			Message:     fmt.Sprintf("training attempt %d failed when the %s budget was spent, so it was not retried: %v", attempt, budget, err),
			Suggestions: []string{"Try again with a larger budget", "Check the data for columns with unusual values"},
			Evidence:    map[string]any{"attempts": attempt, "budget_seconds": budget.Seconds()},
		}
	}
	return &UserError{
		Message:     fmt.Sprintf("training failed %d times; the last error: %v", attempt, err),
		Suggestions: []string{"Check the data for columns with unusual values", "Try again with a larger budget"},
	}
}

// retryConfig adjusts the configuration for the attempt after a failed one, and says how.
func retryConfig(cfg trainConfig, attempt int, ds *dataState) (trainConfig, string) {
	next := cfg
	if attempt == 1 {
		next.Families = withTextFamily([]string{automl.GBDT}, ds.TextColumns)
		return next, "search " + strings.Join(next.Families, " and ") + " only"
	}
	next.Balance = false
	next.Seed++
	return next, "gradient-boosted trees without class weights, another seed"
}

// budget is the configured budget of the stage.
func (c trainConfig) budget() time.Duration {
	return time.Duration(c.BudgetSeconds * float64(time.Second))
}

// finishedLine is the stage's log line for a finished search: how long it took against its
// budget, and what the deadline cut.
func (st *trainState) finishedLine() string {
	line := fmt.Sprintf("search finished: %d trials in %.1fs of a %s budget, validation %s %.4g (%s)",
		st.Finished, st.Seconds, st.Config.budget(), st.Metric, st.Score, st.Validation)
	if st.Untimed {
		return line + "; the trainer ran a fixed number of trials with no clock, so the budget did not bound it"
	}
	if n := st.cutTrials(); n > 0 {
		line += fmt.Sprintf("; %d trial(s) cut by the deadline, not counted", n)
	}
	return line
}

// cutTrials counts the trials the deadline cut.
func (st *trainState) cutTrials() int {
	n := 0
	for _, t := range st.Trials {
		if t.Status == "timeout" {
			n++
		}
	}
	return n
}

// overBudgetLine says, when the stage took longer than its budget and tolerance, by how much,
// and how much of it went to storing the model from stored on (the one step after the search
// that the budget does not bound); "" when the stage kept its budget.
func (p *Pipeline) overBudgetLine(r *run, budget time.Duration, stored time.Time) string {
	now := p.now()
	tolerance := automl.Overrun(budget)
	took := now.Sub(r.started)
	if took <= budget+tolerance {
		return ""
	}
	return fmt.Sprintf("the training stage took %.1fs, over its %s budget and %s tolerance by %.1fs; storing the model took %.1fs of it",
		took.Seconds(), budget, tolerance, (took - budget - tolerance).Seconds(), now.Sub(stored).Seconds())
}
