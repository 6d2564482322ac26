// Package vertextrainer runs the pipeline's training on Vertex AI: it implements
// pipeline.Trainer with a Vertex custom training job whose container is Trainyard's own
// worker image running the local engine (RunJob), so a project trained on Vertex gets exactly
// the artifact, trials and out-of-fold predictions a local run gives, while the compute is
// Google's and the budget is the project's.
//
// The exchange goes through the blob store (a gs:// bucket in production): Train writes the
// job's rows and settings under vertex-jobs/ID/, starts the job with
// `trainyard ml vertex-job --blob-url gs://BUCKET --job vertex-jobs/ID/` as its arguments,
// polls it with backoff, and reads the result back. A job that fails (the container exits
// non-zero, quota, timeout) is returned as an error wrapping vertex.ErrJobFailed, which the
// pipeline's training retry rules handle (up to three attempts with adjusted parameters).
package vertextrainer

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// Keys under a job's prefix.
const (
	specKey     = "job.gob.gz"
	resultKey   = "result.gob.gz"
	artifactKey = "model.bin"
	// JobPrefix is the folder of every job's exchange files in the blob store.
	JobPrefix = "vertex-jobs/"
)

// Trainer trains on Vertex AI custom jobs. The zero value is not usable: set Client, Blobs,
// BlobURL and Image.
type Trainer struct {
	// Client is the Vertex AI client of the project and region.
	Client *vertex.Client
	// Blobs is the blob store the worker and the job share.
	Blobs *blob.Store
	// BlobURL is that store's URL as the job's container must open it (gs://BUCKET).
	BlobURL string
	// Image is the container image with the trainyard binary (the worker image).
	Image string
	// MachineType is the training machine (default vertex.DefaultMachineType).
	MachineType string
	// ServiceAccount runs the job (empty: the project's default).
	ServiceAccount string
	// Margin is added to the training budget for the job's timeout: start-up, data loading,
	// the refit (default 30 minutes). A job without a budget gets 24 hours.
	Margin time.Duration
	// OnState, when set, sees the job's state changes (for progress logs).
	OnState func(job string, state aiplatformpb.JobState)
	// Autoscaling sizes the endpoints DEPLOYMENT deploys models on (default 1 to 3 replicas
	// of vertex.DefaultMachineType at 60% CPU).
	Autoscaling vertex.Autoscaling
	// AutoML lets DEPLOYMENT train a Vertex AutoML tabular model on the same training rows as
	// a challenger to the engine's model, when the project's budget is at least
	// AutoMLMinBudget (default DefaultAutoMLMinBudget); the better on the held-out test rows
	// is served.
	AutoML          bool
	AutoMLMinBudget time.Duration
}

var _ pipeline.Trainer = (*Trainer)(nil)

// Name returns "vertex".
func (t *Trainer) Name() string { return "vertex" }

// spec is what the job's container needs: TrainJob without its callback.
type spec struct {
	Frame          *frame.Frame
	Target, Task   string
	Drop           []string
	Metric         string
	Families       []string
	Budget         time.Duration
	Trials         int
	Seed           uint64
	BalanceClasses bool
	TimeColumn     string
	// Refit fits these configurations on every row instead of searching (the deployment's
	// refit, as the local trainer does it).
	Refit []pipeline.RefitMember
}

// result is a TrainResult without its artifact, which travels in its own format.
type result struct {
	Trials         []automl.Trial
	Finished, Best int
	Score          float64
	Metric         string
	HigherIsBetter bool
	Validation     string
	OOF            []float64
	OOFRows        []int
	Width          int
	Labels         []float64
	Classes        []string
	Seconds        float64
}

// Train writes the job's data, runs the custom job and reads its result.
func (t *Trainer) Train(ctx context.Context, job pipeline.TrainJob) (*pipeline.TrainResult, error) {
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	name := "trainyard-" + hex.EncodeToString(id)
	if len(job.Refit) > 0 {
		name = "trainyard-refit-" + hex.EncodeToString(id)
	}
	prefix := JobPrefix + name + "/"
	s := spec{Frame: job.Frame, Target: job.Target, Task: job.Task, Drop: job.Drop, Metric: job.Metric, Families: job.Families,
		Budget: job.Budget, Trials: job.Trials, Seed: job.Seed, BalanceClasses: job.BalanceClasses, TimeColumn: job.TimeColumn,
		Refit: job.Refit}
	if err := putGob(ctx, t.Blobs, prefix+specKey, s); err != nil {
		return nil, fmt.Errorf("write vertex job input: %w", err)
	}
	defer t.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
	margin := t.Margin
	if margin <= 0 {
		margin = 30 * time.Minute
	}
	timeout := 24 * time.Hour
	switch {
	case job.Budget > 0:
		timeout = job.Budget + margin
	case len(job.Refit) > 0: // a few single fits, bounded by the caller's context too
		timeout = 2 * margin
	}
	_, err := t.Client.RunCustomJob(ctx, vertex.CustomJob{
		DisplayName: name, Image: t.Image, MachineType: t.MachineType, ServiceAccount: t.ServiceAccount,
		Args:    []string{"ml", "vertex-job", "--blob-url", t.BlobURL, "--job", prefix},
		Timeout: timeout, Labels: map[string]string{"trainyard-job": name},
	}, func(st aiplatformpb.JobState) {
		if t.OnState != nil {
			t.OnState(name, st)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("vertex training job %s: %w", name, err)
	}
	var res result
	if err := getGob(ctx, t.Blobs, prefix+resultKey, &res); err != nil {
		return nil, fmt.Errorf("read vertex job result: %w", err)
	}
	r, err := t.Blobs.Open(ctx, prefix+artifactKey)
	if err != nil {
		return nil, fmt.Errorf("read vertex job model: %w", err)
	}
	art, err := model.Load(r)
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("load vertex job model: %w", err)
	}
	if job.OnTrial != nil {
		for _, tr := range res.Trials {
			job.OnTrial(tr)
		}
	}
	return &pipeline.TrainResult{
		Artifact: art, Trials: res.Trials, Finished: res.Finished, Best: res.Best, Score: res.Score,
		Metric: res.Metric, HigherIsBetter: res.HigherIsBetter, Validation: res.Validation,
		OOF: res.OOF, OOFRows: res.OOFRows, Width: res.Width, Labels: res.Labels, Classes: res.Classes, Seconds: res.Seconds,
	}, nil
}

// RunJob is the job's side, run inside the container by `trainyard ml vertex-job`: it reads
// the job under prefix, trains with local (the local engine) and writes the result.
func RunJob(ctx context.Context, blobs *blob.Store, prefix string, local pipeline.Trainer) error {
	var s spec
	if err := getGob(ctx, blobs, prefix+specKey, &s); err != nil {
		return fmt.Errorf("read job input: %w", err)
	}
	res, err := local.Train(ctx, pipeline.TrainJob{Frame: s.Frame, Target: s.Target, Task: s.Task, Drop: s.Drop, Metric: s.Metric,
		Families: s.Families, Budget: s.Budget, Trials: s.Trials, Seed: s.Seed, BalanceClasses: s.BalanceClasses, TimeColumn: s.TimeColumn,
		Refit: s.Refit})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	w, err := blobs.Create(ctx, prefix+artifactKey, "application/octet-stream")
	if err != nil {
		return err
	}
	if err := res.Artifact.Save(w); err != nil {
		w.Abort()
		return fmt.Errorf("save model: %w", err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	return putGob(ctx, blobs, prefix+resultKey, result{
		Trials: res.Trials, Finished: res.Finished, Best: res.Best, Score: res.Score, Metric: res.Metric,
		HigherIsBetter: res.HigherIsBetter, Validation: res.Validation, OOF: res.OOF, OOFRows: res.OOFRows,
		Width: res.Width, Labels: res.Labels, Classes: res.Classes, Seconds: res.Seconds,
	})
}

// putGob writes v gob-encoded and gzipped at key.
func putGob(ctx context.Context, blobs *blob.Store, key string, v any) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := gob.NewEncoder(zw).Encode(v); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	w, err := blobs.Create(ctx, key, "application/gzip")
	if err != nil {
		return err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// getGob reads what putGob wrote.
func getGob(ctx context.Context, blobs *blob.Store, key string, v any) error {
	r, err := blobs.Open(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	if err := gob.NewDecoder(zr).Decode(v); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, zr)
	return err
}
