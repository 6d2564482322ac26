package vertex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// CPUUtilization is the autoscaling metric of deployments.
const CPUUtilization = "aiplatform.googleapis.com/prediction/online/cpu/utilization"

// ServedModel describes a model to upload to the Vertex AI model registry: an artifact folder
// and the container that serves it (Trainyard's server image for Trainyard models).
type ServedModel struct {
	// DisplayName names the model.
	DisplayName string
	// ArtifactURI is the gs:// folder of the artifact (the container sees it as AIP_STORAGE_URI).
	ArtifactURI string
	// Image is the serving container.
	Image string
	// Args are the container's arguments.
	Args []string
	// PredictRoute and HealthRoute are the container's HTTP routes.
	PredictRoute, HealthRoute string
	// Port is the container's HTTP port (default 8080).
	Port int32
	// Labels are attached to the model.
	Labels map[string]string
}

// UploadModel uploads a model and returns its resource name.
func (c *Client) UploadModel(ctx context.Context, m ServedModel) (string, error) {
	port := m.Port
	if port == 0 {
		port = 8080
	}
	op, err := c.models.UploadModel(ctx, &aiplatformpb.UploadModelRequest{Parent: c.loc.Parent(), Model: &aiplatformpb.Model{
		DisplayName: m.DisplayName,
		ArtifactUri: m.ArtifactURI,
		Labels:      m.Labels,
		ContainerSpec: &aiplatformpb.ModelContainerSpec{
			ImageUri: m.Image, Args: m.Args, PredictRoute: m.PredictRoute, HealthRoute: m.HealthRoute,
			Ports: []*aiplatformpb.Port{{ContainerPort: port}},
		},
	}})
	if err != nil {
		return "", fmt.Errorf("upload model: %w", err)
	}
	var name string
	err = c.backoff.waitOp(ctx, op, func(ctx context.Context) error {
		r, err := op.Poll(ctx)
		if r != nil {
			name = r.GetModel()
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("upload model: %w", err)
	}
	return name, nil
}

// Autoscaling sizes a deployment: replicas between Min and Max, scaled on CPU utilization.
type Autoscaling struct {
	// MachineType is the serving machine (default DefaultMachineType).
	MachineType string
	// MinReplicas is at least 1 (Vertex keeps a deployed model warm); MaxReplicas at least Min.
	MinReplicas, MaxReplicas int32
	// CPUTarget is the CPU utilization, in percent, to scale at (default 60).
	CPUTarget int32
	// Automatic lets Vertex choose the machines (AutomaticResources), as AutoML image models
	// require; MachineType and CPUTarget are then unused.
	Automatic bool
}

// Deployment is a model deployed on an endpoint.
type Deployment struct {
	// Endpoint is the endpoint's resource name.
	Endpoint string
	// DeployedModelID identifies the model on the endpoint.
	DeployedModelID string
	// Model is the deployed model's resource name.
	Model string
}

// Deploy creates an endpoint and deploys model to it with all traffic and the given
// autoscaling. If the deployment fails the endpoint is deleted again.
func (c *Client) Deploy(ctx context.Context, model, displayName string, as Autoscaling) (Deployment, error) {
	if as.MinReplicas < 1 {
		as.MinReplicas = 1
	}
	if as.MaxReplicas < as.MinReplicas {
		as.MaxReplicas = as.MinReplicas
	}
	if as.MachineType == "" {
		as.MachineType = DefaultMachineType
	}
	if as.CPUTarget <= 0 {
		as.CPUTarget = 60
	}
	cop, err := c.endpoints.CreateEndpoint(ctx, &aiplatformpb.CreateEndpointRequest{Parent: c.loc.Parent(), Endpoint: &aiplatformpb.Endpoint{DisplayName: displayName}})
	if err != nil {
		return Deployment{}, fmt.Errorf("create endpoint: %w", err)
	}
	var ep *aiplatformpb.Endpoint
	err = c.backoff.waitOp(ctx, cop, func(ctx context.Context) error {
		e, err := cop.Poll(ctx)
		if e != nil {
			ep = e
		}
		return err
	})
	if err != nil {
		return Deployment{}, fmt.Errorf("create endpoint: %w", err)
	}
	dm := &aiplatformpb.DeployedModel{
		Model: model, DisplayName: displayName,
		PredictionResources: &aiplatformpb.DeployedModel_DedicatedResources{DedicatedResources: &aiplatformpb.DedicatedResources{
			MachineSpec:     &aiplatformpb.MachineSpec{MachineType: as.MachineType},
			MinReplicaCount: as.MinReplicas, MaxReplicaCount: as.MaxReplicas,
			AutoscalingMetricSpecs: []*aiplatformpb.AutoscalingMetricSpec{{MetricName: CPUUtilization, Target: as.CPUTarget}},
		}},
	}
	if as.Automatic {
		dm.PredictionResources = &aiplatformpb.DeployedModel_AutomaticResources{AutomaticResources: &aiplatformpb.AutomaticResources{
			MinReplicaCount: as.MinReplicas, MaxReplicaCount: as.MaxReplicas,
		}}
	}
	dop, err := c.endpoints.DeployModel(ctx, &aiplatformpb.DeployModelRequest{
		Endpoint: ep.GetName(), DeployedModel: dm, TrafficSplit: map[string]int32{"0": 100},
	})
	if err == nil {
		var id string
		err = c.backoff.waitOp(ctx, dop, func(ctx context.Context) error {
			r, err := dop.Poll(ctx)
			if r != nil {
				id = r.GetDeployedModel().GetId()
			}
			return err
		})
		if err == nil {
			return Deployment{Endpoint: ep.GetName(), DeployedModelID: id, Model: model}, nil
		}
	}
	derr := c.deleteEndpoint(context.WithoutCancel(ctx), ep.GetName())
	return Deployment{}, errors.Join(fmt.Errorf("deploy %s to %s: %w", model, ep.GetName(), err), derr)
}

// Predict sends instances to a deployed endpoint and returns one prediction per instance.
// Instances and predictions are JSON-like values (map[string]any, []any, string, float64, bool).
func (c *Client) Predict(ctx context.Context, endpoint string, instances []any) ([]any, error) {
	return c.PredictWith(ctx, endpoint, instances, nil)
}

// PredictWith is Predict with the model's prediction parameters (such as AutoML image's
// confidenceThreshold and maxPredictions); nil sends none.
func (c *Client) PredictWith(ctx context.Context, endpoint string, instances []any, params map[string]any) ([]any, error) {
	req := &aiplatformpb.PredictRequest{Endpoint: endpoint}
	if params != nil {
		v, err := structpb.NewValue(params)
		if err != nil {
			return nil, fmt.Errorf("prediction parameters: %w", err)
		}
		req.Parameters = v
	}
	for i, in := range instances {
		v, err := structpb.NewValue(in)
		if err != nil {
			return nil, fmt.Errorf("instance %d: %w", i, err)
		}
		req.Instances = append(req.Instances, v)
	}
	resp, err := c.predictions.Predict(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("predict on %s: %w", endpoint, err)
	}
	if len(resp.GetPredictions()) != len(instances) {
		return nil, fmt.Errorf("predict on %s: %d predictions for %d instances", endpoint, len(resp.GetPredictions()), len(instances))
	}
	out := make([]any, len(resp.GetPredictions()))
	for i, p := range resp.GetPredictions() {
		out[i] = p.AsInterface()
	}
	return out, nil
}

// Undeploy removes the model from its endpoint and deletes the endpoint, so nothing is billed
// any more. Parts already gone are not an error.
func (c *Client) Undeploy(ctx context.Context, d Deployment) error {
	if err := c.undeployModel(ctx, d); err != nil {
		return err
	}
	return c.deleteEndpoint(ctx, d.Endpoint)
}

// undeployModel removes one deployed model from its endpoint; one already gone is fine.
func (c *Client) undeployModel(ctx context.Context, d Deployment) error {
	op, err := c.endpoints.UndeployModel(ctx, &aiplatformpb.UndeployModelRequest{Endpoint: d.Endpoint, DeployedModelId: d.DeployedModelID})
	if err == nil {
		err = c.backoff.waitOp(ctx, op, func(ctx context.Context) error { _, err := op.Poll(ctx); return err })
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("undeploy %s from %s: %w", d.DeployedModelID, d.Endpoint, err)
	}
	return nil
}

// deleteEndpoint deletes an endpoint without deployed models; a missing one is fine.
func (c *Client) deleteEndpoint(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	op, err := c.endpoints.DeleteEndpoint(ctx, &aiplatformpb.DeleteEndpointRequest{Name: name})
	if err == nil {
		err = c.backoff.waitOp(ctx, op, func(ctx context.Context) error { return op.Poll(ctx) })
	}
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete endpoint %s: %w", name, err)
	}
	return nil
}

// isNotFound reports a NotFound status anywhere in err's chain.
func isNotFound(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s, ok := status.FromError(e); ok && s.Code() == codes.NotFound {
			return true
		}
	}
	return false
}
