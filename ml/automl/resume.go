package automl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
)

// ErrResumeMismatch is returned when Config.Resume holds records that the
// search would not have produced: other data, seed, validation settings or
// learner families than the interrupted search had.
var ErrResumeMismatch = errors.New("automl: resume records do not match this search")

// TrialRecord is everything needed to replay a finished trial without
// fitting it again: the trial as reported, its out-of-fold predictions (for
// ensemble selection) and a fingerprint of the search it belongs to. Records
// encode to JSON.
type TrialRecord struct {
	Trial
	// OOF are the trial's out-of-fold predictions, row-major, as many values
	// per validated row as Result.Width.
	OOF []float64 `json:"oof,omitempty"`
	// Fingerprint identifies the validation rows, their labels and the seed
	// of the search that ran the trial.
	Fingerprint uint64 `json:"fingerprint"`
}

// Record returns what Config.Resume needs to replay t. Call it in
// Config.OnTrial and keep the records of the trials whose Status is not
// "timeout" (a timed-out trial is not replayed: a resumed search tries it
// again).
func (t Trial) Record() TrialRecord {
	r := TrialRecord{Trial: t, OOF: t.oof, Fingerprint: t.fingerprint}
	r.holdout, r.oof = nil, nil
	// A trial whose predictions could not be scored has a NaN score, which
	// JSON cannot hold; it is never ranked, so 0 stands in for it.
	if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
		r.Score = 0
	}
	if r.FoldScores != nil {
		r.FoldScores = append([]float64(nil), r.FoldScores...)
		for i, v := range r.FoldScores {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				r.FoldScores[i] = 0
			}
		}
	}
	return r
}

// recordVersion is hashed into the fingerprint and changes whenever the way
// a trial is scored does, so records of an older search are refused. 2: GBDT
// candidates under cross-validation are scored at one iteration count chosen
// from the mean validation curve, no longer at each fold's own best.
const recordVersion = 2

// fingerprint hashes what makes trial scores comparable between runs: the
// version of the scoring, the seed, the task width and the validated rows with
// their labels.
func (s *searcher) fingerprint() uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(recordVersion)
	put(s.cfg.Seed)
	put(uint64(width(s.d)))
	put(uint64(len(s.sch.folds)))
	put(uint64(s.sch.repeats))
	for _, r := range s.sch.oofRows {
		put(uint64(r))
		put(math.Float64bits(s.d.Label[r]))
	}
	return h.Sum64()
}

// replayable returns the leading records of recs that a resumed search takes
// as they are: everything up to the first timed-out trial.
func replayable(recs []TrialRecord) []TrialRecord {
	for i, r := range recs {
		if r.Status == "timeout" {
			return recs[:i]
		}
	}
	return recs
}

// replay turns record r into the trial the search would have run for
// candidate c, or says why it cannot.
func (s *searcher) replay(r TrialRecord, c Candidate) (Trial, error) {
	n := len(s.trials)
	switch {
	case r.Fingerprint != s.fp:
		return Trial{}, fmt.Errorf("%w: record %d comes from other data, validation rows or seed", ErrResumeMismatch, r.Number)
	case r.Number != n:
		return Trial{}, fmt.Errorf("%w: record %d is trial %d of its search, want %d", ErrResumeMismatch, n, r.Number, n)
	case r.key() != c.key():
		return Trial{}, fmt.Errorf("%w: trial %d was %s %s, but this search proposes %s %s", ErrResumeMismatch, n, r.Learner, r.Candidate.String(), c.Learner, c.String())
	case r.Status == "ok" && len(r.OOF) != s.sch.size()*width(s.d):
		return Trial{}, fmt.Errorf("%w: trial %d has %d out-of-fold values, want %d", ErrResumeMismatch, n, len(r.OOF), s.sch.size()*width(s.d))
	case r.Status != "ok" && r.Status != "failed":
		return Trial{}, fmt.Errorf("%w: trial %d has status %q", ErrResumeMismatch, n, r.Status)
	}
	t := r.Trial
	t.Candidate = c
	t.FoldScores = append([]float64(nil), r.FoldScores...)
	if len(r.FoldScores) == 0 {
		t.FoldScores = nil
	}
	t.fingerprint = s.fp
	if r.Status == "ok" {
		// The metrics are recomputed from the predictions: records written
		// before trials reported them have none.
		t.oof = append([]float64(nil), r.OOF...)
		t.Metric, t.Metrics = s.metric.Name, s.trialMetrics(t.oof)
	}
	return t, nil
}
