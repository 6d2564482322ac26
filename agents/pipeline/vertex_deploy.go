package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
)

// EndpointDeployer is a Trainer that also serves models on a managed endpoint (the Vertex AI
// backend). When the pipeline's trainer is one, DEPLOYMENT deploys the saved artifact there
// after checking it locally, and the model's predictions go through that endpoint.
type EndpointDeployer interface {
	// DeployEndpoint deploys the artifact saved at req.ArtifactKey in the pipeline's blob
	// store. On failure it leaves nothing behind.
	DeployEndpoint(ctx context.Context, req EndpointRequest) (*Endpoint, error)
	// RemoveEndpoint takes down what DeployEndpoint created; parts already gone are fine.
	RemoveEndpoint(ctx context.Context, endpointID, externalID string) error
}

// EndpointRequest is a model to deploy on an endpoint.
type EndpointRequest struct {
	// ProjectID names the project the model belongs to (labels, display names).
	ProjectID string
	// ArtifactKey is the blob key of the saved native artifact.
	ArtifactKey string
}

// Endpoint is where a model is deployed.
type Endpoint struct {
	// EndpointID is the endpoint's resource name (stored as the model's endpoint_id).
	EndpointID string
	// ExternalID is the model's resource name in the backend's registry (external_id).
	ExternalID string
	// Backend names the service ("vertex").
	Backend string
	// MachineType, MinReplicas and MaxReplicas describe the autoscaled serving resources.
	MachineType              string
	MinReplicas, MaxReplicas int32
}

// deployEndpoint deploys the saved artifact on the trainer's endpoint when the trainer has
// one, retrying as DEPLOYMENT retries (deployAttempts). It records the deployment as a
// decision and returns nil, nil when the trainer serves nothing itself. Its error, after the
// retries, makes the caller offer the model for download only.
//
// A trainer that also trains AutoML models (AutoMLTrainer) first gets to train a challenger;
// when it wins on the held-out test rows its endpoint is returned and fin holds its evaluation.
func (p *Pipeline) deployEndpoint(ctx context.Context, r *run, key string, in *deployInputs, fin *finalEval, out *outcome) (*Endpoint, error) {
	d, ok := p.trainer.(EndpointDeployer)
	if !ok {
		return nil, nil
	}
	if at, ok := p.trainer.(AutoMLTrainer); ok {
		ep, err := p.automlChallenger(ctx, r, at, in, fin, out)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			r.logf("AutoML challenger: " + err.Error())
		}
		if ep != nil {
			return ep, nil
		}
	}
	r.progress(0.8, -1, "deploying the model on a "+p.trainer.Name()+" endpoint", true)
	var err error
	for attempt := 1; attempt <= deployAttempts; attempt++ {
		var ep *Endpoint
		if ep, err = d.DeployEndpoint(ctx, EndpointRequest{ProjectID: r.proj.ID.String(), ArtifactKey: key}); err == nil {
			out.decide(p.ruled(typeDeployment, fmt.Sprintf("serve the model on the %s endpoint %s", ep.Backend, ep.EndpointID),
				fmt.Sprintf("The trainer is %s, so the model is uploaded to its model registry and deployed on its own endpoint with autoscaling between %d and %d replicas of %s; predictions go through that endpoint, and the artifact stays downloadable.",
					p.trainer.Name(), ep.MinReplicas, ep.MaxReplicas, ep.MachineType),
				[]decision.Alternative{alt("serve on the managed endpoint", 0.8, "scales with traffic, billed per replica hour"),
					alt("serve from this server only", 0.5, "no endpoint cost, one process's capacity")},
				map[string]any{"endpoint_id": ep.EndpointID, "external_id": ep.ExternalID, "min_replicas": ep.MinReplicas,
					"max_replicas": ep.MaxReplicas, "machine_type": ep.MachineType, "attempts": attempt}))
			return ep, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.logf(fmt.Sprintf("%s endpoint deployment attempt %d failed: %v", p.trainer.Name(), attempt, err))
		if attempt < deployAttempts {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
	}
	return nil, fmt.Errorf("deploy on the %s endpoint: %w", p.trainer.Name(), err)
}
