package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
)

// Errors that end a stage without a commit.
var (
	// errLeaseLost: another worker took the project over; it will finish the stage.
	errLeaseLost = errors.New("lease lost")
	// errStopped: the project left the stage (cancelled, rejected) while it ran.
	errStopped = errors.New("project left the stage")
)

// Handle runs the stage a trigger asks for, when it is still the project's stage and no other
// worker holds the project. It returns nil when the trigger was handled or is obsolete (the
// message can be acknowledged) and an error only for infrastructure failures.
func (p *Pipeline) Handle(ctx context.Context, trig store.ProjectTrigger) error {
	sys := store.SystemContext(ctx)
	proj, ok, err := p.st.ClaimProject(sys, trig.ProjectID, p.opts.WorkerID, p.opts.LeaseTTL)
	switch {
	case errors.Is(err, store.ErrFailedPrecondition), errors.Is(err, store.ErrNotFound):
		return nil // finished, awaiting approval, or gone
	case err != nil:
		return fmt.Errorf("claim project %s: %w", trig.ProjectID, err)
	case !ok:
		return nil // another worker runs it
	}
	defer func() {
		if err := p.st.ReleaseLease(store.SystemContext(context.WithoutCancel(ctx)), proj.ID, p.opts.WorkerID); err != nil {
			p.log.Warn("release lease", "project", proj.ID, "err", err)
		}
	}()
	if trig.Stage != "" && proj.Stage != trig.Stage {
		return nil // a duplicate of a trigger whose stage is done
	}
	return p.runStage(ctx, proj)
}

// runStage runs the project's current stage under its lease and commits the outcome.
func (p *Pipeline) runStage(ctx context.Context, proj *ent.Project) error {
	// Every model call a stage's agents make is booked to the project.
	stageCtx, cancel := context.WithCancelCause(llm.WithProject(ctx, proj.ID.String()))
	defer cancel(nil)
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); p.watch(stageCtx, cancel, proj.ID, proj.Stage) }()
	defer func() { cancel(nil); <-watchDone }()

	r := &run{p: p, proj: proj, stage: proj.Stage, started: p.now(), ctx: stageCtx}
	p.log.Info("stage start", "project", proj.ID, "stage", proj.Stage, "worker", p.opts.WorkerID)
	out, err := p.routeStage(stageCtx, r)
	if cause := context.Cause(stageCtx); cause != nil && (errors.Is(cause, errLeaseLost) || errors.Is(cause, errStopped)) {
		p.log.Info("stage abandoned", "project", proj.ID, "stage", proj.Stage, "why", cause)
		return nil
	}
	if ctx.Err() != nil {
		return nil // shutting down; the lease expires and another worker resumes
	}
	if err != nil {
		out = p.handleError(r, err)
	}
	err = p.commit(ctx, r, out)
	switch {
	case errors.Is(err, store.ErrLeaseLost), errors.Is(err, store.ErrFailedPrecondition):
		p.log.Info("stage commit refused", "project", proj.ID, "stage", proj.Stage, "err", err)
		return nil
	case err != nil:
		return fmt.Errorf("commit %s of project %s: %w", proj.Stage, proj.ID, err)
	}
	p.log.Info("stage done", "project", proj.ID, "stage", proj.Stage, "next", out.next, "seconds", time.Since(r.started).Seconds())
	return nil
}

// watch renews the lease while the stage runs and cancels it when the lease is lost or the
// project leaves the stage (a cancel, seen at once through the store's notifications).
func (p *Pipeline) watch(ctx context.Context, cancel context.CancelCauseFunc, id uuid.UUID, stage store.Stage) {
	sys := store.SystemContext(ctx)
	wake := p.st.Subscribe(sys, id)
	t := time.NewTicker(p.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.st.RenewLease(sys, id, p.opts.WorkerID, p.opts.LeaseTTL); err != nil {
				if errors.Is(err, store.ErrLeaseLost) {
					cancel(errLeaseLost)
					return
				}
				p.log.Warn("renew lease", "project", id, "err", err)
			}
		case _, ok := <-wake:
			if !ok {
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		cur, err := p.st.GetProject(sys, id)
		if err == nil && cur.Stage != stage {
			cancel(errStopped)
			return
		}
	}
}

// outcome is what a stage produced, committed in one transaction.
type outcome struct {
	// next is the stage to move to.
	next store.Stage
	// message describes the move.
	message string
	// changes are written to the project with the move.
	changes store.ProjectChanges
	// decisions made by the stage, recorded in its name.
	decisions []decision.Decision
	// logs are log lines recorded with the move.
	logs []string
	// model, when set, is created and becomes the project's model.
	model *modelOutput
}

// decide appends a decision.
func (o *outcome) decide(d decision.Decision) { o.decisions = append(o.decisions, d) }

// commit writes the outcome of r's stage in one transaction, fenced by the lease and by the
// stage the project must still be in.
func (p *Pipeline) commit(ctx context.Context, r *run, out *outcome) error {
	sys := store.SystemContext(context.WithoutCancel(ctx))
	id := r.proj.ID
	return p.st.InTx(sys, func(tx *store.Tx) error {
		if err := tx.RenewLease(sys, id, p.opts.WorkerID, p.opts.LeaseTTL); err != nil {
			return err
		}
		for _, l := range out.logs {
			if _, err := tx.AppendProgress(sys, id, store.NewProgress{Kind: store.EventLog, Stage: r.stage, Message: l}); err != nil {
				return err
			}
		}
		for _, d := range out.decisions {
			if _, err := tx.AppendAudit(sys, id, auditEntry(r.stage, d)); err != nil {
				return err
			}
		}
		changes := out.changes
		if out.model != nil {
			m, err := p.createModel(sys, tx, r, out.model)
			if err != nil {
				return err
			}
			changes.ModelID = &m.ID
		}
		moved, err := tx.Transition(sys, id, []store.Stage{r.stage}, out.next, out.message, &changes)
		if err != nil {
			return err
		}
		return p.enqueueWebhook(sys, tx, r.proj, moved, out.message)
	})
}

// stageFunc returns the agent of a stage.
func (p *Pipeline) stageFunc(s store.Stage) func(context.Context, *run) (*outcome, error) {
	switch s {
	case store.StageAnalyzing:
		return p.analyzeStage
	case store.StageDataProcessing:
		return p.processStage
	case store.StageLabeling:
		return p.labelStage
	case store.StageModelSelection:
		return p.selectStage
	case store.StageTraining:
		return p.trainStage
	case store.StageEvaluation:
		return p.evaluateStage
	case store.StageDeployment:
		return p.deployStage
	}
	return func(context.Context, *run) (*outcome, error) {
		return nil, fmt.Errorf("no agent runs stage %s", s)
	}
}

// run is one execution of a stage.
type run struct {
	p       *Pipeline
	proj    *ent.Project
	stage   store.Stage
	started time.Time
	ctx     context.Context
	// lastProgress throttles progress events.
	lastProgress time.Time
}

// randomID returns 8 random bytes in hex.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
