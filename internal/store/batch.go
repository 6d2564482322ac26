package store

import (
	"context"
	"encoding/json"

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
}

// UpdateBatchPrediction sets fields of a job (workers). A finished job is not changed again:
// ErrFailedPrecondition.
func (s *Store) UpdateBatchPrediction(ctx context.Context, id uuid.UUID, ch BatchChanges) (*ent.BatchPrediction, error) {
	u := s.client.BatchPrediction.Update().Where(
		batchprediction.ID(id),
		batchprediction.StateIn(BatchPending, BatchRunning),
	)
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
		return nil, newErr(ErrFailedPrecondition, "batch prediction is %s", b.State)
	}
	return b, nil
}
