package server

import (
	"context"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/serving"
)

// isDetector reports whether a model finds objects in images: its feature schema (a
// trainyard.v1.Model document) says image object detection. Detectors have no artifact of
// ours, so every other model answers without reading its schema.
func isDetector(m *ent.Model) bool {
	if m.ArtifactKey != "" || len(m.FeatureSchema) == 0 {
		return false
	}
	var schema trainyardv1.Model
	err := protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(m.FeatureSchema, &schema)
	return err == nil && schema.GetProblemType() == trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION
}

// detectOne finds the objects in one instance's image through the model's endpoint.
func detectOne(ctx context.Context, lm *serving.Loaded, fields serving.Fields) *trainyardv1.Prediction {
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
