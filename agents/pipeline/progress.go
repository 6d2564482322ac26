package pipeline

import (
	"context"
	"math"
	"time"

	"github.com/trainyard/trainyard/internal/store"
)

// logf records a log line of the running stage at once (a log is not a decision; it may repeat
// when a stage is re-run after a crash, which is what happened).
func (r *run) logf(msg string) {
	sys := store.SystemContext(context.WithoutCancel(r.ctx))
	if _, err := r.p.st.AppendProgress(sys, r.proj.ID, store.NewProgress{Kind: store.EventLog, Stage: r.stage, Message: msg}); err != nil {
		r.p.log.Warn("append log", "project", r.proj.ID, "err", err)
	}
}

// progress records the fraction of the stage done and the estimated seconds left in the whole
// project (negative = unknown), at most once a second unless force.
func (r *run) progress(frac float64, eta float64, msg string, force bool) {
	now := r.p.now()
	if !force && now.Sub(r.lastProgress) < time.Second {
		return
	}
	r.lastProgress = now
	ev := store.NewProgress{Kind: store.EventProgress, Stage: r.stage, StageProgress: clamp01(frac), Message: msg}
	if eta >= 0 && !math.IsInf(eta, 0) && !math.IsNaN(eta) {
		s := int64(math.Ceil(eta))
		ev.EstimatedSecondsRemaining = &s
	}
	sys := store.SystemContext(context.WithoutCancel(r.ctx))
	if _, err := r.p.st.AppendProgress(sys, r.proj.ID, ev); err != nil {
		r.p.log.Warn("append progress", "project", r.proj.ID, "err", err)
	}
}
