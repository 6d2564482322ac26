package main

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/bench/internal/e2e"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// runE2E zips the training images into class folders, uploads the archive to the whole
// pipeline on the embedded default, waits for COMPLETED under the training budget, and sends
// each test image to the deployed model as base64 text, as a client of the API would. It
// prints one JSON line; "fit s" is upload to COMPLETED.
func runE2E(ctx context.Context, name string, tr, te []image.Example, budget time.Duration) error {
	tmp, err := os.MkdirTemp("", "bench-image-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, name+".zip")
	if err := writeZip(path, tr); err != nil {
		return err
	}
	env, err := pipelinetest.Start(ctx, pipelinetest.Config{Dir: tmp})
	if err != nil {
		return err
	}
	defer env.Close()
	run, err := e2e.Train(ctx, env, name, path, "classify each picture", budget, 3*budget+5*time.Minute)
	if err != nil {
		return err
	}
	lm := run.Loaded
	ok := 0
	var d model.Prediction
	for i, e := range te {
		row, _, err := lm.Row(serving.MapFields{"image": base64.StdEncoding.EncodeToString(e.Data)})
		if err == nil {
			err = lm.PredictLocal(row, &d)
		}
		if err != nil {
			return fmt.Errorf("%s: test image %d: %w", name, i, err)
		}
		if d.Label == e.Label {
			ok++
		}
	}
	total := time.Since(run.Start)
	m, mm := run.Model, run.Metrics
	b, _ := json.Marshal(map[string]any{"engine": "trainyard pipeline", "dataset": name, "learner": "search: " + m.Learner,
		"train": len(tr), "test": len(te), "accuracy": float64(ok) / float64(len(te)),
		"fit_s": run.Fit.Seconds(), "total_s": total.Seconds(), "budget_s": budget.Seconds(),
		"pipeline_test_accuracy": mm.GetValues()["accuracy"], "pipeline_test_images": mm.GetTestRows()})
	fmt.Println(string(b))
	return nil
}

// writeZip writes the examples into class folders of a zip archive.
func writeZip(path string, ex []image.Example) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for i, e := range ex {
		w, err := zw.Create(fmt.Sprintf("%s/%05d_%s", e.Label, i, filepath.Base(e.Name)))
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(e.Data); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
