package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

func TestExpiryDryRunThenDelete(t *testing.T) {
	e := startWithoutWorker(t)
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

// TestExpiredModelsAreDeleted: a deployed model expires after the pipeline's model retention;
// a dry run only logs its files, a real pass deletes its artifact, its ONNX export and its row
// and leaves the project without a model, while the dataset, not yet expired, stays.
func TestExpiredModelsAreDeleted(t *testing.T) {
	ctx := context.Background()
	e, err := pipelinetest.Start(ctx, pipelinetest.Config{Dir: t.TempDir(),
		Pipeline: pipeline.Options{MinBudget: time.Second, ModelRetention: 10 * 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	path, err := pipelinetest.DatasetPath("iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Submit(ctx, pipelinetest.Submission{DatasetID: ds.ID, Description: "predict the species", BudgetSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if p, err = e.Wait(ctx, p.ID, 60*time.Second); err != nil || p.Stage != store.StageCompleted || p.ModelID == nil {
		t.Fatalf("project = %v (%v), want COMPLETED with a model", p.Stage, err)
	}
	sys := store.SystemContext(ctx)
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ExpiresAt == nil || m.ExpiresAt.Before(start.Add(10*24*time.Hour-time.Minute)) || m.ExpiresAt.After(time.Now().Add(10*24*time.Hour)) {
		t.Fatalf("model expires at %v, want 10 days after it was made", m.ExpiresAt)
	}
	if m.ArtifactKey == "" || m.OnnxKey == "" {
		t.Fatalf("model keys %q, %q; want an artifact and an ONNX export", m.ArtifactKey, m.OnnxKey)
	}
	later := func() time.Time { return time.Now().Add(11 * 24 * time.Hour) }
	var logs bytes.Buffer
	dry := &worker.Expiry{Store: e.Store, Blobs: e.Blobs, DryRun: true, Now: later, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	rep, err := dry.RunOnce(ctx)
	if want := (worker.ExpiryReport{ModelsDeleted: 1, FilesDeleted: 2}); err != nil || rep != want {
		t.Fatalf("dry run = %+v, %v; want %+v", rep, err, want)
	}
	for _, key := range []string{m.ArtifactKey, m.OnnxKey} {
		if !strings.Contains(logs.String(), "would delete expired model file") || !strings.Contains(logs.String(), key) {
			t.Errorf("dry-run log does not name %s:\n%s", key, logs.String())
		}
		if _, err := e.Blobs.Stat(ctx, key); err != nil {
			t.Errorf("dry run deleted %s: %v", key, err)
		}
	}
	if _, err := e.Store.GetModel(sys, m.ID); err != nil {
		t.Fatalf("dry run deleted the model: %v", err)
	}
	if rep, err := (&worker.Expiry{Store: e.Store, Blobs: e.Blobs, Now: time.Now}).RunOnce(ctx); err != nil || rep != (worker.ExpiryReport{}) {
		t.Fatalf("pass before expiry = %+v, %v; want nothing", rep, err)
	}
	rep, err = (&worker.Expiry{Store: e.Store, Blobs: e.Blobs, Now: later}).RunOnce(ctx)
	if want := (worker.ExpiryReport{ModelsDeleted: 1, FilesDeleted: 2}); err != nil || rep != want {
		t.Fatalf("pass after expiry = %+v, %v; want %+v", rep, err, want)
	}
	if _, err := e.Store.GetModel(sys, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetModel after expiry = %v, want not found", err)
	}
	for _, key := range []string{m.ArtifactKey, m.OnnxKey} {
		if _, err := e.Blobs.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s) after expiry = %v, want not found", key, err)
		}
	}
	if p, err = e.Store.GetProject(sys, p.ID); err != nil || p.ModelID != nil {
		t.Errorf("project after its model expired: model %v (%v), want none", p.ModelID, err)
	}
	if _, err := e.Store.GetDataset(sys, ds.ID); err != nil {
		t.Errorf("GetDataset = %v; the dataset has not expired yet", err)
	}
}
