package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/batchprediction"
	"github.com/trainyard/trainyard/ent/types"
)

// BatchState is the state of a batch prediction.
type BatchState = types.BatchState

// The batch prediction states.
const (
	BatchPending   = types.BatchPending
	BatchRunning   = types.BatchRunning
	BatchSucceeded = types.BatchSucceeded
	BatchFailed    = types.BatchFailed
	BatchCancelled = types.BatchCancelled
)

// NewBatchPrediction describes a batch prediction job; its owner is the viewer.
type NewBatchPrediction struct {
	ModelID   uuid.UUID
	InputKey  string
	RowsTotal int64
	// RequestID makes the create idempotent per owner ("" = not idempotent).
	RequestID string
}

// CreateBatchPrediction records a PENDING job on a model the viewer may use and enqueues its
// trigger, in one transaction.
func (s *Store) CreateBatchPrediction(ctx context.Context, in NewBatchPrediction) (*ent.BatchPrediction, error) {
	owner := viewerID(ctx)
	var out *ent.BatchPrediction
	err := s.inTx(ctx, func(tx *Tx) error {
		if in.RequestID != "" {
			b, err := tx.c.BatchPrediction.Query().
				Where(batchprediction.OwnerID(owner), batchprediction.RequestID(in.RequestID)).Only(ctx)
			if err == nil {
				out = b
				return nil
			} else if !ent.IsNotFound(err) {
				return mapErr(err, "batch prediction")
			}
		}
		m, err := tx.c.Model.Get(ctx, in.ModelID)
		if err != nil {
			return mapErr(err, "model "+in.ModelID.String())
		}
		if m.State != ModelReady && m.State != ModelDeployed {
			return newErr(ErrFailedPrecondition, "model is %s, not READY or DEPLOYED", m.State)
		}
		c := tx.c.BatchPrediction.Create().
			SetOwnerID(owner).SetModelID(m.ID).SetInputKey(in.InputKey).SetRowsTotal(in.RowsTotal)
		if in.RequestID != "" {
			c.SetRequestID(in.RequestID)
		}
		b, err := c.Save(ctx)
		if err != nil {
			return mapErr(err, "batch prediction")
		}
		payload, err := json.Marshal(BatchTrigger{BatchPredictionID: b.ID})
		if err != nil {
			return err
		}
		if _, err := tx.Enqueue(ctx, Message{Topic: s.opts.BatchTopic, OrderingKey: b.ID.String(), Payload: payload}); err != nil {
			return err
		}
		out = b
		return nil
	})
	return out, err
}

// GetBatchPrediction returns a job the viewer may see.
func (s *Store) GetBatchPrediction(ctx context.Context, id uuid.UUID) (*ent.BatchPrediction, error) {
	b, err := s.client.BatchPrediction.Get(ctx, id)
	return b, mapErr(err, "batch prediction "+id.String())
}

// BatchChanges lists job fields to set; nil fields are left alone.
type BatchChanges struct {
	State         *BatchState
	OutputKey     *string
	RowsProcessed *int64
	RowsTotal     *int64
	Error         *string
	// Fence, when set, applies the change only if the job was not updated after it (the
	// UpdatedAt its runner last wrote): a runner whose job was re-queued meanwhile (see
	// RequeueStaleBatchPredictions) gets ErrLeaseLost and must drop its work.
	Fence *time.Time
}

// UpdateBatchPrediction sets fields of a job (workers) and its updated_at, which is the
// running job's heartbeat. A finished job is not changed again: ErrFailedPrecondition.
func (s *Store) UpdateBatchPrediction(ctx context.Context, id uuid.UUID, ch BatchChanges) (*ent.BatchPrediction, error) {
	u := s.client.BatchPrediction.Update().Where(
		batchprediction.ID(id),
		batchprediction.StateIn(BatchPending, BatchRunning),
	)
	if ch.Fence != nil {
		u.Where(batchprediction.UpdatedAtLTE(*ch.Fence))
	}
	if ch.State != nil {
		u.SetState(*ch.State)
	}
	if ch.OutputKey != nil {
		u.SetOutputKey(*ch.OutputKey)
	}
	if ch.RowsProcessed != nil {
		u.SetRowsProcessed(*ch.RowsProcessed)
	}
	if ch.RowsTotal != nil {
		u.SetRowsTotal(*ch.RowsTotal)
	}
	if ch.Error != nil {
		u.SetError(*ch.Error)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return nil, mapErr(err, "batch prediction "+id.String())
	}
	b, err := s.client.BatchPrediction.Get(ctx, id)
	if err != nil {
		return nil, mapErr(err, "batch prediction "+id.String())
	}
	if n == 0 {
		if ch.Fence != nil && (b.State == BatchPending || b.State == BatchRunning) {
			return nil, ErrLeaseLost
		}
		return nil, newErr(ErrFailedPrecondition, "batch prediction is %s", b.State)
	}
	return b, nil
}

// RequeueStaleBatchPredictions puts back to PENDING, with no rows processed, the RUNNING jobs
// whose runner has not updated them since before: their process died (a runner updates its
// job at least every few seconds). Each job is re-queued once however many processes call
// this at the same time; their runners, if alive after all, get ErrLeaseLost on their next
// fenced update. It returns the jobs it re-queued. Needs the system viewer.
func (s *Store) RequeueStaleBatchPredictions(ctx context.Context, before time.Time) ([]uuid.UUID, error) {
	ids, err := s.client.BatchPrediction.Query().
		Where(batchprediction.StateEQ(BatchRunning), batchprediction.UpdatedAtLT(before.UTC())).IDs(ctx)
	if err != nil {
		return nil, mapErr(err, "batch predictions")
	}
	var out []uuid.UUID
	for _, id := range ids {
		n, err := s.client.BatchPrediction.Update().
			Where(batchprediction.ID(id), batchprediction.StateEQ(BatchRunning), batchprediction.UpdatedAtLT(before.UTC())).
			SetState(BatchPending).SetRowsProcessed(0).Save(ctx)
		if err != nil {
			return out, mapErr(err, "batch prediction "+id.String())
		}
		if n == 1 {
			out = append(out, id)
		}
	}
	return out, nil
}
