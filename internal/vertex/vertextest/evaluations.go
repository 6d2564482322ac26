package vertextest

import (
	"context"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// evaluationSchema is the metrics schema of an AutoML training definition's evaluations.
func evaluationSchema(definition string) string {
	const base = "gs://google-cloud-aiplatform/schema/modelevaluation/"
	switch {
	case strings.Contains(definition, "object_detection"):
		return base + "image_object_detection_metrics_1.0.0.yaml"
	case strings.Contains(definition, "image_classification"), strings.Contains(definition, "tabular"):
		return base + "classification_metrics_1.0.0.yaml"
	}
	return ""
}

// ListModelEvaluations lists the evaluations AutoML attached to a model (EvaluateAutoML).
func (ms *modelService) ListModelEvaluations(_ context.Context, req *aiplatformpb.ListModelEvaluationsRequest) (*aiplatformpb.ListModelEvaluationsResponse, error) {
	s := ms.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.models[req.GetParent()] == nil {
		return nil, status.Errorf(codes.NotFound, "model %q not found", req.GetParent())
	}
	out := &aiplatformpb.ListModelEvaluationsResponse{}
	for _, e := range s.evals[req.GetParent()] {
		out.ModelEvaluations = append(out.ModelEvaluations, proto.Clone(e).(*aiplatformpb.ModelEvaluation))
	}
	return out, nil
}
