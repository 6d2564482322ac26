package vertextrainer

import (
	"context"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/vertex"
)

var _ pipeline.EndpointDeployer = (*Trainer)(nil)

// autoscaling returns the trainer's serving resources with their defaults filled.
func (t *Trainer) autoscaling() vertex.Autoscaling {
	as := t.Autoscaling
	if as.MinReplicas < 1 {
		as.MinReplicas = 1
	}
	if as.MaxReplicas < as.MinReplicas {
		as.MaxReplicas = max(as.MinReplicas, 3)
	}
	if as.MachineType == "" {
		as.MachineType = vertex.DefaultMachineType
	}
	return as
}

// DeployEndpoint uploads the pipeline's saved artifact to the Vertex AI model registry, served
// by the trainer's image (`trainyard ml vertex-serve`), and deploys it on its own endpoint with
// the trainer's autoscaling. On failure nothing is left behind.
func (t *Trainer) DeployEndpoint(ctx context.Context, req pipeline.EndpointRequest) (*pipeline.Endpoint, error) {
	as := t.autoscaling()
	d := &Deployer{Client: t.Client, Image: t.Image, BlobURL: t.BlobURL, Autoscaling: as}
	name := "p-" + strings.ReplaceAll(req.ProjectID, "-", "")
	// A deployment of this project that was never recorded (a worker stopped between the
	// deployment and the commit) is taken down first: one endpoint per model, not one per try.
	if err := t.Client.RemoveNamed(ctx, "trainyard-"+name); err != nil {
		return nil, fmt.Errorf("remove an unrecorded earlier deployment: %w", err)
	}
	dep, err := d.Deploy(ctx, name, req.ArtifactKey)
	if err != nil {
		return nil, err
	}
	return &pipeline.Endpoint{EndpointID: dep.Endpoint, ExternalID: dep.Model, Backend: "vertex",
		MachineType: as.MachineType, MinReplicas: as.MinReplicas, MaxReplicas: as.MaxReplicas}, nil
}

// RemoveEndpoint undeploys everything on the endpoint, deletes it and deletes the model from
// the registry (a deleted Trainyard model); parts already gone are fine.
func (t *Trainer) RemoveEndpoint(ctx context.Context, endpointID, externalID string) error {
	return t.Client.Remove(ctx, endpointID, externalID)
}
