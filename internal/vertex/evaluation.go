package vertex

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/api/iterator"
)

// ModelMetrics returns the numeric top-level metrics of the first evaluation AutoML attached to
// a model (for object detection boundingBoxMeanAveragePrecision, evaluatedBoundingBoxCount,
// ...), by the names Vertex gives them; nil when the model has no evaluation.
func (c *Client) ModelMetrics(ctx context.Context, model string) (map[string]float64, error) {
	it := c.models.ListModelEvaluations(ctx, &aiplatformpb.ListModelEvaluationsRequest{Parent: model})
	e, err := it.Next()
	if errors.Is(err, iterator.Done) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list evaluations of %s: %w", model, err)
	}
	out := map[string]float64{}
	for k, v := range e.GetMetrics().GetStructValue().GetFields() {
		if x, ok := v.AsInterface().(float64); ok {
			out[k] = x
		}
	}
	return out, nil
}
