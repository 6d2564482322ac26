package vertex_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/internal/vertex"
)

func TestVertexModelMetricsOfObjectDetection(t *testing.T) {
	c, srv := start(t)
	srv.EvaluateAutoML = func(p *aiplatformpb.TrainingPipeline) map[string]any {
		return map[string]any{"boundingBoxMeanAveragePrecision": 0.71, "evaluatedBoundingBoxCount": 40.0, "boundingBoxMetrics": []any{}}
	}
	ctx := context.Background()
	m, err := c.TrainImage(ctx, vertex.ImageTask{DisplayName: "boxes", ImportURI: "gs://b/boxes.csv", ObjectDetection: true, Budget: 20 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ModelMetrics(ctx, m.GetName())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"boundingBoxMeanAveragePrecision": 0.71, "evaluatedBoundingBoxCount": 40}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ModelMetrics (-want +got):\n%s", d)
	}
	srv.EvaluateAutoML = nil
	m, err = c.TrainImage(ctx, vertex.ImageTask{DisplayName: "plain", ImportURI: "gs://b/boxes.csv", ObjectDetection: true, Budget: 20 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.ModelMetrics(ctx, m.GetName()); err != nil || got != nil {
		t.Errorf("ModelMetrics without evaluation = %v, %v; want nil, nil", got, err)
	}
}
