package vertextest

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// modelService implements the ModelService calls used.
type modelService struct {
	aiplatformpb.UnimplementedModelServiceServer
	s *Server
}

// UploadModel registers a model with a serving container through an operation.
func (ms *modelService) UploadModel(_ context.Context, req *aiplatformpb.UploadModelRequest) (*longrunningOp, error) {
	s := ms.s
	if err := s.checkParent(req.GetParent()); err != nil {
		return nil, err
	}
	m := req.GetModel()
	if m.GetDisplayName() == "" || m.GetContainerSpec().GetImageUri() == "" {
		return nil, status.Error(codes.InvalidArgument, "model.display_name and model.container_spec.image_uri are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m = proto.Clone(m).(*aiplatformpb.Model)
	m.Name = s.name("models")
	m.CreateTime = timestamppb.Now()
	return s.newOp(&aiplatformpb.UploadModelResponse{Model: m.Name}, nil, func() { s.models[m.Name] = m }), nil
}

// GetModel returns a model.
func (ms *modelService) GetModel(_ context.Context, req *aiplatformpb.GetModelRequest) (*aiplatformpb.Model, error) {
	s := ms.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[req.GetName()]
	if m == nil {
		return nil, status.Errorf(codes.NotFound, "model %q not found", req.GetName())
	}
	return proto.Clone(m).(*aiplatformpb.Model), nil
}

// DeleteModel deletes a model through an operation; Vertex refuses while it is deployed.
func (ms *modelService) DeleteModel(_ context.Context, req *aiplatformpb.DeleteModelRequest) (*longrunningOp, error) {
	s := ms.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.models[req.GetName()] == nil {
		return nil, status.Errorf(codes.NotFound, "model %q not found", req.GetName())
	}
	for _, e := range s.endpoints {
		for _, dm := range e.GetDeployedModels() {
			if dm.GetModel() == req.GetName() {
				return nil, status.Errorf(codes.FailedPrecondition, "model %s is deployed on endpoint %s; undeploy it first", req.GetName(), e.GetName())
			}
		}
	}
	return s.newOp(nil, nil, func() { delete(s.models, req.GetName()) }), nil
}

// endpointService implements the EndpointService calls used.
type endpointService struct {
	aiplatformpb.UnimplementedEndpointServiceServer
	s *Server
}

// CreateEndpoint creates an empty endpoint through an operation.
func (es *endpointService) CreateEndpoint(_ context.Context, req *aiplatformpb.CreateEndpointRequest) (*longrunningOp, error) {
	s := es.s
	if err := s.checkParent(req.GetParent()); err != nil {
		return nil, err
	}
	if req.GetEndpoint().GetDisplayName() == "" {
		return nil, status.Error(codes.InvalidArgument, "endpoint.display_name is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := proto.Clone(req.GetEndpoint()).(*aiplatformpb.Endpoint)
	e.Name = s.name("endpoints")
	e.CreateTime = timestamppb.Now()
	return s.newOp(e, nil, func() { s.endpoints[e.Name] = e }), nil
}

// GetEndpoint returns an endpoint.
func (es *endpointService) GetEndpoint(_ context.Context, req *aiplatformpb.GetEndpointRequest) (*aiplatformpb.Endpoint, error) {
	s := es.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[req.GetName()]
	if e == nil {
		return nil, status.Errorf(codes.NotFound, "endpoint %q not found", req.GetName())
	}
	return proto.Clone(e).(*aiplatformpb.Endpoint), nil
}

// DeployModel deploys a model on dedicated, autoscaled resources through an operation.
func (es *endpointService) DeployModel(_ context.Context, req *aiplatformpb.DeployModelRequest) (*longrunningOp, error) {
	s := es.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[req.GetEndpoint()]
	if e == nil {
		return nil, status.Errorf(codes.NotFound, "endpoint %q not found", req.GetEndpoint())
	}
	dm := req.GetDeployedModel()
	if s.models[dm.GetModel()] == nil {
		return nil, status.Errorf(codes.NotFound, "model %q not found", dm.GetModel())
	}
	if a := dm.GetAutomaticResources(); a != nil {
		if a.GetMinReplicaCount() < 1 || a.GetMaxReplicaCount() < a.GetMinReplicaCount() {
			return nil, status.Error(codes.InvalidArgument, "deployed_model.automatic_resources need 1 <= min_replica_count <= max_replica_count")
		}
	} else if r := dm.GetDedicatedResources(); r == nil || r.GetMachineSpec().GetMachineType() == "" || r.GetMinReplicaCount() < 1 || r.GetMaxReplicaCount() < r.GetMinReplicaCount() {
		return nil, status.Error(codes.InvalidArgument, "deployed_model.dedicated_resources need a machine type and 1 <= min_replica_count <= max_replica_count")
	}
	var total int32
	for _, v := range req.GetTrafficSplit() {
		total += v
	}
	if total != 100 {
		return nil, status.Errorf(codes.InvalidArgument, "traffic_split sums to %d, want 100", total)
	}
	dm = proto.Clone(dm).(*aiplatformpb.DeployedModel)
	s.seq++
	dm.Id = strconv.Itoa(5000 + s.seq)
	dm.CreateTime = timestamppb.Now()
	return s.newOp(&aiplatformpb.DeployModelResponse{DeployedModel: dm}, nil, func() {
		e.DeployedModels = append(e.DeployedModels, dm)
		e.TrafficSplit = map[string]int32{dm.Id: 100}
	}), nil
}

// UndeployModel removes a deployed model through an operation.
func (es *endpointService) UndeployModel(_ context.Context, req *aiplatformpb.UndeployModelRequest) (*longrunningOp, error) {
	s := es.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[req.GetEndpoint()]
	if e == nil {
		return nil, status.Errorf(codes.NotFound, "endpoint %q not found", req.GetEndpoint())
	}
	found := -1
	for i, dm := range e.DeployedModels {
		if dm.GetId() == req.GetDeployedModelId() {
			found = i
		}
	}
	if found < 0 {
		return nil, status.Errorf(codes.NotFound, "deployed model %q not found on %s", req.GetDeployedModelId(), e.Name)
	}
	return s.newOp(&aiplatformpb.UndeployModelResponse{}, nil, func() {
		e.DeployedModels = append(e.DeployedModels[:found:found], e.DeployedModels[found+1:]...)
		delete(e.TrafficSplit, req.GetDeployedModelId())
	}), nil
}

// DeleteEndpoint deletes an endpoint that has no deployed model, through an operation.
func (es *endpointService) DeleteEndpoint(_ context.Context, req *aiplatformpb.DeleteEndpointRequest) (*longrunningOp, error) {
	s := es.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[req.GetName()]
	if e == nil {
		return nil, status.Errorf(codes.NotFound, "endpoint %q not found", req.GetName())
	}
	if len(e.DeployedModels) > 0 {
		return nil, status.Errorf(codes.FailedPrecondition, "endpoint %s still has %d deployed models; undeploy them first", e.Name, len(e.DeployedModels))
	}
	return s.newOp(nil, nil, func() { delete(s.endpoints, req.GetName()) }), nil
}

// predictionService implements Predict.
type predictionService struct {
	aiplatformpb.UnimplementedPredictionServiceServer
	s *Server
}

// Predict routes instances to the endpoint's deployed model and asks Serve.
func (p *predictionService) Predict(_ context.Context, req *aiplatformpb.PredictRequest) (*aiplatformpb.PredictResponse, error) {
	s := p.s
	s.mu.Lock()
	e := s.endpoints[req.GetEndpoint()]
	if e == nil {
		s.mu.Unlock()
		return nil, status.Errorf(codes.NotFound, "endpoint %q not found", req.GetEndpoint())
	}
	if len(e.DeployedModels) == 0 {
		s.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "endpoint %s has no deployed model", e.Name)
	}
	dm := e.DeployedModels[0]
	m := proto.Clone(s.models[dm.GetModel()]).(*aiplatformpb.Model)
	serve := s.Serve
	s.mu.Unlock()
	if len(req.GetInstances()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "instances must not be empty")
	}
	if serve == nil {
		return nil, status.Error(codes.Unimplemented, "the fake has no Serve hook")
	}
	preds, err := serve(m, req.GetInstances())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "prediction failed: %v", err)
	}
	return &aiplatformpb.PredictResponse{Predictions: preds, DeployedModelId: dm.GetId(), Model: m.GetName(), ModelDisplayName: m.GetDisplayName()}, nil
}

// displayNameFilter reads the one filter the fake understands, display_name="NAME"; an empty
// filter matches everything.
func displayNameFilter(filter string) (string, bool, error) {
	if filter == "" {
		return "", false, nil
	}
	v, ok := strings.CutPrefix(filter, "display_name=")
	if !ok {
		return "", false, status.Errorf(codes.InvalidArgument, "filter %q: this fake understands display_name=\"NAME\" only", filter)
	}
	name, err := strconv.Unquote(v)
	if err != nil {
		return "", false, status.Errorf(codes.InvalidArgument, "filter %q: %v", filter, err)
	}
	return name, true, nil
}

// ListModels lists the models of the location, in one page.
func (ms *modelService) ListModels(_ context.Context, req *aiplatformpb.ListModelsRequest) (*aiplatformpb.ListModelsResponse, error) {
	models, err := listNamed(ms.s, req.GetParent(), req.GetFilter(), ms.s.models)
	if err != nil {
		return nil, err
	}
	return &aiplatformpb.ListModelsResponse{Models: models}, nil
}

// ListEndpoints lists the endpoints of the location, in one page.
func (es *endpointService) ListEndpoints(_ context.Context, req *aiplatformpb.ListEndpointsRequest) (*aiplatformpb.ListEndpointsResponse, error) {
	endpoints, err := listNamed(es.s, req.GetParent(), req.GetFilter(), es.s.endpoints)
	if err != nil {
		return nil, err
	}
	return &aiplatformpb.ListEndpointsResponse{Endpoints: endpoints}, nil
}

// listNamed returns copies of the resources of byName under parent, in name order: all of
// them, or those a display_name filter names.
func listNamed[T interface {
	proto.Message
	GetDisplayName() string
}](s *Server, parent, filter string, byName map[string]T) ([]T, error) {
	if err := s.checkParent(parent); err != nil {
		return nil, err
	}
	name, filtered, err := displayNameFilter(filter)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	for _, k := range slices.Sorted(maps.Keys(byName)) {
		if r := byName[k]; !filtered || r.GetDisplayName() == name {
			out = append(out, proto.Clone(r).(T))
		}
	}
	return out, nil
}
