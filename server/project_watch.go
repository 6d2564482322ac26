package server

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/auditentry"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/ent/privacy"
	"github.com/trainyard/trainyard/ent/progressevent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// watchBatch is how many events WatchProject reads from the store at a time.
const watchBatch = 500

// WatchProject implements trainyardv1connect.ProjectServiceHandler: it replays the events
// after after_sequence, then sends new ones as the store announces them, and ends with OK after
// the terminal event (or at once when the project already finished before after_sequence). It
// ends with Canceled when the client goes away and with Unavailable, naming the sequence to
// resume after, when the server shuts down.
func (h *ProjectService) WatchProject(ctx context.Context, req *trainyardv1.WatchProjectRequest, stream *connect.ServerStream[trainyardv1.ProgressEvent]) error {
	id, err := parseName(req.GetName(), "projects")
	if err != nil {
		return err
	}
	// Subscribe before the first read, so no event falls between the read and the subscription.
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake := h.s.store.Subscribe(subCtx, id)

	after := req.GetAfterSequence()
	previous := trainyardv1.PipelineStage_PIPELINE_STAGE_UNSPECIFIED
	checkedTerminal := false
	for {
		evs, err := h.s.store.ListProgress(ctx, id, after, watchBatch)
		if err != nil {
			return err
		}
		for _, e := range evs {
			msg := eventToProto(e, previous)
			if err := stream.Send(msg); err != nil {
				return err
			}
			after, previous = e.Sequence, msg.GetStage()
			if e.Kind == types.EventTerminal {
				return nil
			}
		}
		if len(evs) == watchBatch {
			continue
		}
		if !checkedTerminal {
			// A client resuming after the terminal event gets an empty, finished stream.
			p, err := h.s.store.GetProject(ctx, id)
			if err != nil {
				return err
			}
			if p.Stage.Terminal() && after >= p.NextSequence {
				return nil
			}
			checkedTerminal = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-h.s.draining:
			return connect.NewError(connect.CodeUnavailable,
				fmt.Errorf("server is shutting down; watch again with after_sequence=%d", after))
		case _, ok := <-wake:
			if !ok {
				return ctx.Err()
			}
		}
	}
}

// deleteProject deletes a project that is not running, with its progress events and decisions,
// in one transaction. The viewer must be allowed to delete the project itself (its owner with a
// member key, or an admin); the children go with it.
func deleteProject(ctx context.Context, st *store.Store, id uuid.UUID) error {
	return st.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client()
		p, err := c.Project.Get(ctx, id)
		if ent.IsNotFound(err) {
			return &store.Error{Kind: store.ErrNotFound, Msg: "project " + id.String() + " not found"}
		} else if err != nil {
			return fmt.Errorf("get project %s: %w", id, err)
		}
		if p.Stage.Active() {
			return connect.NewError(connect.CodeFailedPrecondition,
				fmt.Errorf("project is %s; cancel it before deleting it", p.Stage))
		}
		if n, err := c.Model.Query().Where(model.ProjectID(id)).Count(store.SystemContext(ctx)); err != nil {
			return fmt.Errorf("count models of project %s: %w", id, err)
		} else if n > 0 {
			return connect.NewError(connect.CodeFailedPrecondition,
				fmt.Errorf("project has %d model(s); delete them first", n))
		}
		sys := store.SystemContext(ctx)
		if _, err := c.ProgressEvent.Delete().Where(progressevent.ProjectID(id)).Exec(sys); err != nil {
			return fmt.Errorf("delete progress events of project %s: %w", id, err)
		}
		if _, err := c.AuditEntry.Delete().Where(auditentry.ProjectID(id)).Exec(sys); err != nil {
			return fmt.Errorf("delete audit entries of project %s: %w", id, err)
		}
		if err := c.Project.DeleteOneID(id).Exec(ctx); err != nil {
			if ent.IsNotFound(err) {
				return &store.Error{Kind: store.ErrNotFound, Msg: "project " + id.String() + " not found"}
			}
			if errors.Is(err, privacy.Deny) {
				return &store.Error{Kind: store.ErrPermissionDenied, Msg: "you may not delete project " + id.String()}
			}
			return fmt.Errorf("delete project %s: %w", id, err)
		}
		return nil
	})
}
