package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ml/automl"
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
