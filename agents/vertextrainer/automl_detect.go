package vertextrainer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/ml/image"
)

var _ pipeline.DetectionTrainer = (*Trainer)(nil)

// TrainDetector copies the boxed images to the bucket with an import file of their boxes
// (Vertex's bounding box CSV: image, label, then the box as its top-left and bottom-right
// vertices, X_MIN,Y_MIN,,,X_MAX,Y_MAX,,), runs an AutoML image object detection pipeline with
// the budget in node hours (at least AutoML's 20), deploys the model on its own endpoint on
// automatic resources and returns the metrics AutoML's evaluation reports. Each later attempt
// raises the budget by half. Nothing is left behind on failure.
func (t *Trainer) TrainDetector(ctx context.Context, job pipeline.DetectionJob) (*pipeline.Endpoint, map[string]float64, error) {
	name := "trainyard-automl-detect-p-" + strings.ReplaceAll(job.ProjectID, "-", "")
	if err := t.Client.RemoveNamed(ctx, name); err != nil {
		return nil, nil, fmt.Errorf("remove an unrecorded earlier detector: %w", err)
	}
	prefix := JobPrefix + name + "/"
	defer t.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
	base := strings.TrimRight(t.BlobURL, "/") + "/"
	var lines bytes.Buffer
	w := csv.NewWriter(&lines)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, ex := range job.Images {
		if len(ex.Boxes) == 0 {
			continue // an image without boxes teaches a detector nothing here
		}
		format := image.Format(ex.Data)
		if format == "" {
			return nil, nil, fmt.Errorf("image %d (%s) is not a PNG, JPEG, GIF or WebP image", i, ex.Name)
		}
		key := fmt.Sprintf("%simages/%06d.%s", prefix, i, format)
		if err := putBytes(ctx, t, key, "image/"+format, ex.Data); err != nil {
			return nil, nil, fmt.Errorf("copy images: %w", err)
		}
		for _, b := range ex.Boxes {
			if err := w.Write([]string{base + key, b.Label, f(b.XMin), f(b.YMin), "", "", f(b.XMax), f(b.YMax), "", ""}); err != nil {
				return nil, nil, err
			}
		}
	}
	w.Flush()
	if lines.Len() == 0 {
		return nil, nil, errors.New("no image with boxes")
	}
	if err := putBytes(ctx, t, prefix+"import.csv", "text/csv", lines.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("write box import file: %w", err)
	}
	m, err := t.Client.TrainImage(ctx, vertex.ImageTask{DisplayName: name, ImportURI: base + prefix + "import.csv", ObjectDetection: true,
		Budget: attemptBudget(job.Budget, job.Attempt)}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("automl object detection %s: %w", name, err)
	}
	metrics, err := t.Client.ModelMetrics(ctx, m.GetName())
	if err != nil {
		return nil, nil, errors.Join(err, t.Client.DeleteModel(context.WithoutCancel(ctx), m.GetName()))
	}
	ep, err := t.deployAutomatic(ctx, m.GetName(), name, "vertex AutoML object detection")
	if err != nil {
		return nil, nil, err
	}
	return ep, metrics, nil
}
