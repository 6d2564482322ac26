package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/batchprediction"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/ent/project"
)

// ListExpiredModels returns up to limit models whose expires_at is before now, oldest expiry
// first (system viewer, for the expiry job), with their batch predictions.
func (s *Store) ListExpiredModels(ctx context.Context, now time.Time, limit int) ([]*ent.Model, error) {
	ms, err := s.client.Model.Query().
		Where(model.ExpiresAtNotNil(), model.ExpiresAtLT(now.UTC())).
		WithBatchPredictions().
		Order(ent.Asc(model.FieldExpiresAt)).Limit(limit).All(ctx)
	return ms, mapErr(err, "models")
}

// DeleteModel deletes a model row with its batch prediction rows, and clears it as its
// project's model, in one transaction (its blobs are the caller's to delete first). A model
// with a batch prediction still pending or running is ErrFailedPrecondition.
func (s *Store) DeleteModel(ctx context.Context, id uuid.UUID) error {
	return s.inTx(ctx, func(tx *Tx) error {
		busy, err := tx.c.BatchPrediction.Query().
			Where(batchprediction.ModelID(id), batchprediction.StateIn(BatchPending, BatchRunning)).Count(ctx)
		if err != nil {
			return mapErr(err, "model "+id.String())
		}
		if busy > 0 {
			return newErr(ErrFailedPrecondition, "model has %d batch predictions in progress", busy)
		}
		if _, err := tx.c.BatchPrediction.Delete().Where(batchprediction.ModelID(id)).Exec(ctx); err != nil {
			return mapErr(err, "batch predictions of model "+id.String())
		}
		if _, err := tx.c.Project.Update().Where(project.ModelID(id)).ClearModelID().Save(ctx); err != nil {
			return mapErr(err, "project of model "+id.String())
		}
		return mapErr(tx.c.Model.DeleteOneID(id).Exec(ctx), "model "+id.String())
	})
}
