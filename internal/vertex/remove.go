package vertex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/api/iterator"
)

// DeleteModel deletes a model from the model registry; a model already gone is not an error.
// Vertex refuses to delete a model that is still deployed: undeploy it first.
func (c *Client) DeleteModel(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	op, err := c.models.DeleteModel(ctx, &aiplatformpb.DeleteModelRequest{Name: name})
	if err == nil {
		err = c.backoff.waitOp(ctx, op, func(ctx context.Context) error { return op.Poll(ctx) })
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete model %s: %w", name, err)
	}
	return nil
}

// Remove takes down what Deploy and UploadModel created for one model, knowing only the
// endpoint's and the model's resource names (what Trainyard stores with its model): every
// model deployed on the endpoint is undeployed, the endpoint deleted, then the model. Parts
// already gone are not an error, so Remove may be called again after a partial failure.
func (c *Client) Remove(ctx context.Context, endpoint, model string) error {
	var errs []error
	if endpoint != "" {
		ep, err := c.endpoints.GetEndpoint(ctx, &aiplatformpb.GetEndpointRequest{Name: endpoint})
		switch {
		case isNotFound(err):
		case err != nil:
			errs = append(errs, fmt.Errorf("get endpoint %s: %w", endpoint, err))
		default:
			for _, dm := range ep.GetDeployedModels() {
				errs = append(errs, c.undeployModel(ctx, Deployment{Endpoint: endpoint, DeployedModelID: dm.GetId()}))
			}
			if err := errors.Join(errs...); err == nil {
				errs = append(errs, c.deleteEndpoint(ctx, endpoint))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err // the model cannot be deleted while the endpoint may still serve it
	}
	if model != "" {
		return c.DeleteModel(ctx, model)
	}
	return nil
}

// RemoveNamed takes down every endpoint and model named displayName in the location, with what
// is deployed on those endpoints: the leftovers of a deployment whose caller stopped before
// recording it (a worker that died, a lease lost). Deploying under one name per Trainyard model
// and calling RemoveNamed first makes a repeated deployment leave one endpoint, not two.
func (c *Client) RemoveNamed(ctx context.Context, displayName string) error {
	filter := fmt.Sprintf("display_name=%q", displayName)
	var errs []error
	models := map[string]bool{}
	it := c.endpoints.ListEndpoints(ctx, &aiplatformpb.ListEndpointsRequest{Parent: c.loc.Parent(), Filter: filter})
	for {
		ep, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return fmt.Errorf("list endpoints %s: %w", filter, err)
		}
		for _, dm := range ep.GetDeployedModels() {
			models[dm.GetModel()] = true
		}
		errs = append(errs, c.Remove(ctx, ep.GetName(), ""))
	}
	mit := c.models.ListModels(ctx, &aiplatformpb.ListModelsRequest{Parent: c.loc.Parent(), Filter: filter})
	for {
		m, err := mit.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("list models %s: %w", filter, err))...)
		}
		models[m.GetName()] = true
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for m := range models {
		errs = append(errs, c.DeleteModel(ctx, m))
	}
	return errors.Join(errs...)
}
