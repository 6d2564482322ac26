package vertextrainer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/ml/image"
)

var _ pipeline.ImageAutoMLTrainer = (*Trainer)(nil)

// TrainAutoMLImage copies the training images to the bucket with an import file of their
// labels, runs an AutoML image classification pipeline with the budget in node hours (at least
// AutoML's 8), and deploys the model on its own endpoint on automatic resources, as AutoML
// image models require. Each later attempt raises the budget by half. Nothing is left behind
// on failure.
func (t *Trainer) TrainAutoMLImage(ctx context.Context, job pipeline.ImageAutoMLJob) (*pipeline.Endpoint, error) {
	name := "trainyard-automl-image-p-" + strings.ReplaceAll(job.ProjectID, "-", "")
	if err := t.Client.RemoveNamed(ctx, name); err != nil {
		return nil, fmt.Errorf("remove an unrecorded earlier challenger: %w", err)
	}
	prefix := JobPrefix + name + "/"
	defer t.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
	base := strings.TrimRight(t.BlobURL, "/") + "/"
	var lines bytes.Buffer
	w := csv.NewWriter(&lines)
	for i, ex := range job.Images {
		if ex.Label == "" {
			continue // unlabeled images teach a classifier nothing
		}
		f := image.Format(ex.Data)
		if f == "" {
			return nil, fmt.Errorf("training image %d (%s) is not a PNG, JPEG, GIF or WebP image", i, ex.Name)
		}
		key := fmt.Sprintf("%simages/%06d.%s", prefix, i, f)
		if err := putBytes(ctx, t, key, "image/"+f, ex.Data); err != nil {
			return nil, fmt.Errorf("copy training images: %w", err)
		}
		if err := w.Write([]string{base + key, ex.Label}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if lines.Len() == 0 {
		return nil, errors.New("no labeled training image")
	}
	if err := putBytes(ctx, t, prefix+"import.csv", "text/csv", lines.Bytes()); err != nil {
		return nil, fmt.Errorf("write image import file: %w", err)
	}
	m, err := t.Client.TrainImage(ctx, vertex.ImageTask{DisplayName: name, ImportURI: base + prefix + "import.csv", Budget: attemptBudget(job.Budget, job.Attempt)}, nil)
	if err != nil {
		return nil, fmt.Errorf("automl image %s: %w", name, err)
	}
	return t.deployAutomatic(ctx, m.GetName(), name, "vertex AutoML image")
}

// attemptBudget is the budget of an AutoML image training's attempt (1 to 3): each later
// attempt raises the first one's budget by half.
func attemptBudget(budget time.Duration, attempt int) time.Duration {
	for range max(0, attempt-1) {
		budget += budget / 2
	}
	return budget
}

// deployAutomatic deploys the AutoML image model on an endpoint named name on automatic
// resources, as AutoML image models require, and deletes the model when that fails.
func (t *Trainer) deployAutomatic(ctx context.Context, model, name, backend string) (*pipeline.Endpoint, error) {
	as := t.autoscaling()
	as.Automatic = true
	dep, err := t.Client.Deploy(ctx, model, name, as)
	if err != nil {
		return nil, errors.Join(err, t.Client.DeleteModel(context.WithoutCancel(ctx), model))
	}
	return &pipeline.Endpoint{EndpointID: dep.Endpoint, ExternalID: model, Backend: backend,
		MachineType: "automatic", MinReplicas: as.MinReplicas, MaxReplicas: as.MaxReplicas}, nil
}

// putBytes writes b at key.
func putBytes(ctx context.Context, t *Trainer, key, contentType string, b []byte) error {
	w, err := t.Blobs.Create(ctx, key, contentType)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// PredictImages classifies images on an AutoML image endpoint, a few per request (online
// requests are capped at 1.5 MB). AutoML answers {"displayNames": [...], "confidences": [...]}
// per image.
func (t *Trainer) PredictImages(ctx context.Context, ep *pipeline.Endpoint, images [][]byte) ([]pipeline.EndpointPrediction, error) {
	out := make([]pipeline.EndpointPrediction, 0, len(images))
	for start := 0; start < len(images); {
		var in []any
		size := 0
		for start+len(in) < len(images) && (len(in) == 0 || size+len(images[start+len(in)]) < 1<<20) {
			b := images[start+len(in)]
			size += len(b) * 4 / 3
			in = append(in, map[string]any{"content": base64.StdEncoding.EncodeToString(b)})
		}
		preds, err := t.Client.PredictWith(ctx, ep.EndpointID, in, ImagePredictionParams())
		if err != nil {
			return nil, err
		}
		for i, p := range preds {
			d, err := DecodeAutoMLImage(p)
			if err != nil {
				return nil, fmt.Errorf("image %d: %w", start+i, err)
			}
			out = append(out, d)
		}
		start += len(in)
	}
	return out, nil
}

// ImagePredictionParams asks an AutoML image classifier for every class's confidence.
func ImagePredictionParams() map[string]any {
	return map[string]any{"confidenceThreshold": 0.0, "maxPredictions": 1000.0}
}

// DecodeAutoMLImage reads one AutoML image classification prediction.
func DecodeAutoMLImage(v any) (pipeline.EndpointPrediction, error) {
	p, ok := v.(map[string]any)
	if !ok {
		return pipeline.EndpointPrediction{}, fmt.Errorf("prediction is %T, want an object", v)
	}
	return classScores(p, "displayNames", "confidences")
}

// imagePlanWhy explains an image plan (AutoML image bills at least 8 node hours).
func imagePlanWhy(budget time.Duration) string {
	return fmt.Sprintf("the budget %s pays for %d milli node hours of AutoML image classification on the same training images",
		budget, vertex.MilliNodeHours(budget, 1, vertex.MinImageClassificationBudget, vertex.MaxImageBudget))
}
