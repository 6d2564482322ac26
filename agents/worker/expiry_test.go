package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

func TestExpiryDryRunThenDelete(t *testing.T) {
	e, err := pipelinetest.Start(context.Background(), pipelinetest.Config{Dir: t.TempDir(), NoWorker: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	path, err := pipelinetest.DatasetPath("iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sys := store.SystemContext(context.Background())
	later := func() time.Time { return time.Now().Add(91 * 24 * time.Hour) }

	dry := &worker.Expiry{Store: e.Store, Blobs: e.Blobs, DryRun: true, Now: later}
	rep, err := dry.RunOnce(context.Background())
	if err != nil || rep.DatasetsDeleted != 1 || rep.FilesDeleted != 1 {
		t.Fatalf("dry run = %+v, %v; want one dataset and its file", rep, err)
	}
	if _, err := e.Store.GetDataset(sys, ds.ID); err != nil {
		t.Fatalf("dry run deleted the dataset: %v", err)
	}
	if _, err := e.Blobs.Stat(context.Background(), ds.Files[0].BlobKey); err != nil {
		t.Fatalf("dry run deleted the file: %v", err)
	}
	if rep, err := (&worker.Expiry{Store: e.Store, Blobs: e.Blobs, Now: time.Now}).RunOnce(context.Background()); err != nil || rep != (worker.ExpiryReport{}) {
		t.Fatalf("pass before expiry = %+v, %v; want nothing", rep, err)
	}
	if _, err := (&worker.Expiry{Store: e.Store, Blobs: e.Blobs, Now: later}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.GetDataset(sys, ds.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDataset after expiry = %v, want not found", err)
	}
	if _, err := e.Blobs.Stat(context.Background(), ds.Files[0].BlobKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat(file) after expiry = %v, want not found", err)
	}
}
