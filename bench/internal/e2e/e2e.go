// Package e2e takes one training file through the whole pipeline on the embedded default, as
// the end-to-end modes of the benchmarks do: upload, submit with a goal and a training budget,
// wait for COMPLETED, then load the deployed model through the serving path so the caller can
// score its test rows as the API would.
package e2e

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
)

// Run is one dataset taken through the pipeline and loaded for serving.
type Run struct {
	// Start is when the upload began; callers measure their total time from it.
	Start time.Time
	// Fit is upload to COMPLETED.
	Fit time.Duration
	// Model is the deployed model's record.
	Model *ent.Model
	// Metrics are the pipeline's own test metrics for the model.
	Metrics *trainyardv1.Metrics
	// Loaded is the deployed model as the serving path loads it.
	Loaded *serving.Loaded
}

// Train uploads the file at path to env, submits it with the goal and budget, waits up to
// wait for the project to finish, and loads the deployed model through a fresh serving
// registry. name only labels errors.
func Train(ctx context.Context, env *pipelinetest.Env, name, path, goal string, budget, wait time.Duration) (*Run, error) {
	start := time.Now()
	ds, err := env.Upload(ctx, path)
	if err != nil {
		return nil, err
	}
	p, err := env.Submit(ctx, pipelinetest.Submission{DatasetID: ds.ID, Description: goal, BudgetSeconds: int64(budget / time.Second)})
	if err != nil {
		return nil, err
	}
	if p, err = env.Wait(ctx, p.ID, wait); err != nil {
		return nil, err
	}
	if p.Stage != store.StageCompleted || p.ModelID == nil {
		return nil, fmt.Errorf("%s: project ended in %s: %s", name, p.Stage, p.ErrorMessage)
	}
	fit := time.Since(start)
	m, err := env.Store.GetModel(store.SystemContext(ctx), *p.ModelID)
	if err != nil {
		return nil, err
	}
	reg, err := serving.New(serving.Options{Blobs: env.Blobs})
	if err != nil {
		return nil, err
	}
	lm, err := reg.Get(ctx, serving.Ref{ID: m.ID, ArtifactKey: m.ArtifactKey, Version: m.UpdatedAt})
	if err != nil {
		return nil, err
	}
	var mm trainyardv1.Metrics
	_ = protojson.Unmarshal(m.Metrics, &mm)
	return &Run{Start: start, Fit: fit, Model: m, Metrics: &mm, Loaded: lm}, nil
}
