package server

import (
	"bytes"
	"context"

	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/serving"
)

// isDetector reports whether a model finds objects in images (its feature schema's problem
// type is image object detection). Detectors have no artifact of ours, so every other model
// answers without reading its schema.
func isDetector(m *ent.Model) bool {
	return m.ArtifactKey == "" && bytes.Contains(m.FeatureSchema, []byte(trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION.String()))
}

// detectOne finds the objects in one instance's image through the model's endpoint.
func detectOne(ctx context.Context, lm *serving.Loaded, fields map[string]any) *trainyardv1.Prediction {
	res := &trainyardv1.Prediction{}
	objs, err := lm.Detect(ctx, fields)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for _, o := range objs {
		res.Objects = append(res.Objects, &trainyardv1.DetectedObject{
			Label: o.Label, Confidence: o.Confidence, Xmin: o.XMin, Ymin: o.YMin, Xmax: o.XMax, Ymax: o.YMax,
		})
	}
	return res
}
