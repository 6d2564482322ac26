package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/internal/store"
)

// models makes the pass over expired models.
func (x *Expiry) models(ctx context.Context, rep *ExpiryReport) error {
	log := x.logger()
	sys := store.SystemContext(ctx)
	ms, err := x.Store.ListExpiredModels(sys, x.now(), 100)
	if err != nil {
		return err
	}
	verb := "deleted"
	if x.DryRun {
		verb = "would delete"
	}
	for _, m := range ms {
		if m.EndpointID != "" {
			rep.Kept++
			log.Info("expired model kept: it is served on an external endpoint; undeploy it first", "model", m.ID, "endpoint", m.EndpointID, "expired", m.ExpiresAt)
			continue
		}
		busy := 0
		for _, b := range m.Edges.BatchPredictions {
			if b.State == store.BatchPending || b.State == store.BatchRunning {
				busy++
			}
		}
		if busy > 0 {
			rep.Kept++
			log.Info("expired model kept: batch predictions still run on it", "model", m.ID, "running", busy, "expired", m.ExpiresAt)
			continue
		}
		keys := []string{m.ArtifactKey, m.OnnxKey}
		for _, b := range m.Edges.BatchPredictions {
			keys = append(keys, b.OutputKey)
		}
		for _, key := range keys {
			if key == "" {
				continue
			}
			log.Info(verb+" expired model file", "model", m.ID, "key", key, "dry_run", x.DryRun)
			if !x.DryRun {
				if err := x.Blobs.Delete(ctx, key); err != nil {
					return fmt.Errorf("delete %s of model %s: %w", key, m.ID, err)
				}
			}
			rep.FilesDeleted++
		}
		log.Info(verb+" expired model", "model", m.ID, "project", m.ProjectID, "expired", m.ExpiresAt, "batch_predictions", len(m.Edges.BatchPredictions), "dry_run", x.DryRun)
		if !x.DryRun {
			if err := x.Store.DeleteModel(sys, m.ID); err != nil {
				if errors.Is(err, store.ErrFailedPrecondition) {
					rep.Kept++ // a batch prediction started meanwhile
					continue
				}
				return err
			}
		}
		rep.ModelsDeleted++
	}
	return nil
}
