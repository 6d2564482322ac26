package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// Expiry removes data whose retention ended (a dataset's expires_at, 90 days after upload by
// default). A dataset no project uses loses its files and its row. A dataset that finished
// projects still reference loses its uploaded files and those projects' intermediate pipeline
// files (splits, searches, evaluated models), while the projects and their decisions stay. A
// dataset of a running project is left alone. Models expire on their own (a model's
// expires_at, 90 days after it was trained by default): an expired model loses its artifact,
// its ONNX export, its finished batch predictions and its row, and its project no longer
// names it; a model with a batch prediction in progress, or served on an external endpoint
// (which must be undeployed first), is kept. With DryRun it only logs what it would remove.
type Expiry struct {
	Store  *store.Store
	Blobs  *blob.Store
	DryRun bool
	Logger *slog.Logger
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// ExpiryReport counts what a pass removed (or would remove, in a dry run).
type ExpiryReport struct {
	DatasetsDeleted int
	ModelsDeleted   int
	FilesDeleted    int
	ProjectsCleaned int
	Kept            int
}

// RunOnce makes one pass over up to 100 expired datasets and up to 100 expired models.
func (x *Expiry) RunOnce(ctx context.Context) (ExpiryReport, error) {
	rep, err := x.datasets(ctx)
	if err != nil {
		return rep, err
	}
	return rep, x.models(ctx, &rep)
}

// now returns the current time.
func (x *Expiry) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// logger returns the logger (a discarding one when none is set).
func (x *Expiry) logger() *slog.Logger {
	if x.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return x.Logger
}

// datasets makes the pass over expired datasets.
func (x *Expiry) datasets(ctx context.Context) (ExpiryReport, error) {
	var rep ExpiryReport
	log := x.logger()
	now := x.now()
	sys := store.SystemContext(ctx)
	ds, err := x.Store.ListExpiredDatasets(sys, now, 100)
	if err != nil {
		return rep, err
	}
	verb := "deleted"
	if x.DryRun {
		verb = "would delete"
	}
	for _, d := range ds {
		ps, err := x.Store.Client().Project.Query().Where(project.DatasetID(d.ID)).All(sys)
		if err != nil {
			return rep, fmt.Errorf("projects of dataset %s: %w", d.ID, err)
		}
		running := false
		for _, p := range ps {
			running = running || !p.Stage.Terminal()
		}
		if running {
			rep.Kept++
			log.Info("expired dataset kept: a project still runs on it", "dataset", d.ID, "expired", d.ExpiresAt)
			continue
		}
		for _, f := range d.Files {
			log.Info(verb+" expired dataset file", "dataset", d.ID, "key", f.BlobKey, "bytes", f.SizeBytes, "dry_run", x.DryRun)
			if !x.DryRun {
				if err := x.Blobs.Delete(ctx, f.BlobKey); err != nil {
					return rep, err
				}
			}
			rep.FilesDeleted++
		}
		for _, p := range ps {
			prefix := "projects/" + p.ID.String() + "/pipeline/"
			log.Info(verb+" intermediate pipeline files of a finished project", "project", p.ID, "prefix", prefix, "kept", prefix+"model/", "dry_run", x.DryRun)
			if !x.DryRun {
				for _, name := range []string{"data.json", "analysis.json", "eval.json"} {
					if err := x.Blobs.Delete(ctx, prefix+name); err != nil {
						return rep, err
					}
				}
				for i := 1; i <= 5; i++ {
					for _, name := range []string{fmt.Sprintf("train-%d.json", i), fmt.Sprintf("train-%d.model.gz", i), fmt.Sprintf("train-%d.progress.json", i)} {
						if err := x.Blobs.Delete(ctx, prefix+name); err != nil {
							return rep, err
						}
					}
					if err := x.Blobs.DeletePrefix(ctx, prefix+fmt.Sprintf("train-%d.trials/", i)); err != nil {
						return rep, err
					}
				}
			}
			rep.ProjectsCleaned++
		}
		if len(ps) == 0 {
			log.Info(verb+" expired dataset", "dataset", d.ID, "expired", d.ExpiresAt, "dry_run", x.DryRun)
			if !x.DryRun {
				if err := x.Store.DeleteDataset(sys, d.ID); err != nil {
					return rep, err
				}
			}
			rep.DatasetsDeleted++
		}
	}
	return rep, nil
}

// Run makes a pass every interval until ctx ends.
func (x *Expiry) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if rep, err := x.RunOnce(ctx); err != nil && ctx.Err() == nil {
			x.Logger.Warn("expiry pass", "err", err)
		} else if rep != (ExpiryReport{}) && x.Logger != nil {
			x.Logger.Info("expiry pass", "datasets_deleted", rep.DatasetsDeleted, "models_deleted", rep.ModelsDeleted, "files_deleted", rep.FilesDeleted, "projects_cleaned", rep.ProjectsCleaned, "kept", rep.Kept, "dry_run", x.DryRun)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
