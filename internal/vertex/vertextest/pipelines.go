package vertextest

import (
	"context"
	"slices"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// pipelineSteps is the order a training pipeline's state moves in, one step per Get.
var pipelineSteps = []aiplatformpb.PipelineState{
	aiplatformpb.PipelineState_PIPELINE_STATE_QUEUED, aiplatformpb.PipelineState_PIPELINE_STATE_PENDING,
	aiplatformpb.PipelineState_PIPELINE_STATE_RUNNING,
}

// AutoML training definitions and the smallest budget (milli node hours) and the budget field
// each accepts.
var definitions = map[string]struct {
	minBudget   float64
	budgetField string
}{
	"gs://google-cloud-aiplatform/schema/trainingjob/definition/automl_tabular_1.0.0.yaml":                {1000, "trainBudgetMilliNodeHours"},
	"gs://google-cloud-aiplatform/schema/trainingjob/definition/automl_image_classification_1.0.0.yaml":   {8000, "budgetMilliNodeHours"},
	"gs://google-cloud-aiplatform/schema/trainingjob/definition/automl_image_object_detection_1.0.0.yaml": {20000, "budgetMilliNodeHours"},
}

// pipelineService implements PipelineService.
type pipelineService struct {
	aiplatformpb.UnimplementedPipelineServiceServer
	s *Server
}

// CreateTrainingPipeline validates the AutoML inputs and queues the pipeline.
func (ps *pipelineService) CreateTrainingPipeline(_ context.Context, req *aiplatformpb.CreateTrainingPipelineRequest) (*aiplatformpb.TrainingPipeline, error) {
	s := ps.s
	if err := s.checkParent(req.GetParent()); err != nil {
		return nil, err
	}
	p := req.GetTrainingPipeline()
	def, ok := definitions[p.GetTrainingTaskDefinition()]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "training_task_definition %q is not supported", p.GetTrainingTaskDefinition())
	}
	in := p.GetTrainingTaskInputs().GetStructValue().GetFields()
	if b := in[def.budgetField].GetNumberValue(); b < def.minBudget {
		return nil, status.Errorf(codes.InvalidArgument, "%s %v is below the minimum %v", def.budgetField, b, def.minBudget)
	}
	if _, tabular := in["trainBudgetMilliNodeHours"]; tabular && in["targetColumn"].GetStringValue() == "" {
		return nil, status.Error(codes.InvalidArgument, "targetColumn is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.Parent + "/datasets/" + p.GetInputDataConfig().GetDatasetId()
	if s.datasets[ds] == nil {
		return nil, status.Errorf(codes.NotFound, "dataset %q not found", ds)
	}
	if p.GetModelToUpload().GetDisplayName() == "" {
		return nil, status.Error(codes.InvalidArgument, "model_to_upload.display_name is required")
	}
	p = proto.Clone(p).(*aiplatformpb.TrainingPipeline)
	p.Name = s.name("trainingPipelines")
	p.State = pipelineSteps[0]
	p.CreateTime = timestamppb.Now()
	s.pipelines[p.Name] = p
	return proto.Clone(p).(*aiplatformpb.TrainingPipeline), nil
}

// GetTrainingPipeline returns the pipeline, moving it one state forward; leaving RUNNING
// decides its outcome (TrainAutoML runs without the fake's lock, so it may call the fake) and
// uploads its model.
func (ps *pipelineService) GetTrainingPipeline(_ context.Context, req *aiplatformpb.GetTrainingPipelineRequest) (*aiplatformpb.TrainingPipeline, error) {
	s := ps.s
	if err := s.checkChild(req.GetName()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	p := s.pipelines[req.GetName()]
	if p == nil {
		s.mu.Unlock()
		return nil, status.Errorf(codes.NotFound, "training pipeline %q not found", req.GetName())
	}
	i := slices.Index(pipelineSteps, p.State)
	if i < 0 || i < len(pipelineSteps)-1 {
		defer s.mu.Unlock()
		if i >= 0 {
			p.State = pipelineSteps[i+1]
			if p.State == aiplatformpb.PipelineState_PIPELINE_STATE_RUNNING {
				p.StartTime = timestamppb.Now()
			}
		}
		return proto.Clone(p).(*aiplatformpb.TrainingPipeline), nil
	}
	snapshot := proto.Clone(p).(*aiplatformpb.TrainingPipeline)
	train, evaluate := s.TrainAutoML, s.EvaluateAutoML
	s.mu.Unlock()
	var err error
	if train != nil {
		err = train(snapshot)
	}
	var metrics map[string]any
	if err == nil && evaluate != nil {
		metrics = evaluate(snapshot)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.State != aiplatformpb.PipelineState_PIPELINE_STATE_RUNNING { // cancelled, or decided by a concurrent Get
		return proto.Clone(p).(*aiplatformpb.TrainingPipeline), nil
	}
	p.EndTime = timestamppb.Now()
	if err != nil {
		p.State = aiplatformpb.PipelineState_PIPELINE_STATE_FAILED
		p.Error = &rpcstatus.Status{Code: int32(codes.Internal), Message: err.Error()}
		return proto.Clone(p).(*aiplatformpb.TrainingPipeline), nil
	}
	m := proto.Clone(p.GetModelToUpload()).(*aiplatformpb.Model)
	m.Name = s.name("models")
	m.TrainingPipeline = p.Name
	m.CreateTime = timestamppb.Now()
	s.models[m.Name] = m
	if metrics != nil {
		v, verr := structpb.NewValue(metrics)
		if verr != nil {
			return nil, status.Errorf(codes.Internal, "evaluation metrics: %v", verr)
		}
		s.evals[m.Name] = append(s.evals[m.Name], &aiplatformpb.ModelEvaluation{
			Name: m.Name + "/evaluations/1", Metrics: v, CreateTime: timestamppb.Now(),
			MetricsSchemaUri: evaluationSchema(p.GetTrainingTaskDefinition()),
		})
	}
	p.ModelToUpload = proto.Clone(m).(*aiplatformpb.Model)
	p.State = aiplatformpb.PipelineState_PIPELINE_STATE_SUCCEEDED
	return proto.Clone(p).(*aiplatformpb.TrainingPipeline), nil
}

// CancelTrainingPipeline cancels a pipeline that has not ended.
func (ps *pipelineService) CancelTrainingPipeline(_ context.Context, req *aiplatformpb.CancelTrainingPipelineRequest) (*emptyMsg, error) {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipelines[req.GetName()]
	if p == nil {
		return nil, status.Errorf(codes.NotFound, "training pipeline %q not found", req.GetName())
	}
	if slices.Contains(pipelineSteps, p.State) {
		p.State = aiplatformpb.PipelineState_PIPELINE_STATE_CANCELLED
	}
	return &emptyMsg{}, nil
}

// datasetService implements the DatasetService calls AutoML needs.
type datasetService struct {
	aiplatformpb.UnimplementedDatasetServiceServer
	s *Server
}

// CreateDataset creates a managed dataset through an operation.
func (d *datasetService) CreateDataset(_ context.Context, req *aiplatformpb.CreateDatasetRequest) (*longrunningOp, error) {
	s := d.s
	if err := s.checkParent(req.GetParent()); err != nil {
		return nil, err
	}
	ds := req.GetDataset()
	if ds.GetDisplayName() == "" || ds.GetMetadataSchemaUri() == "" {
		return nil, status.Error(codes.InvalidArgument, "dataset.display_name and dataset.metadata_schema_uri are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds = proto.Clone(ds).(*aiplatformpb.Dataset)
	ds.Name = s.name("datasets")
	ds.CreateTime = timestamppb.Now()
	return s.newOp(ds, nil, func() { s.datasets[ds.Name] = ds }), nil
}

// ImportData imports data items into a dataset through an operation.
func (d *datasetService) ImportData(_ context.Context, req *aiplatformpb.ImportDataRequest) (*longrunningOp, error) {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.datasets[req.GetName()] == nil {
		return nil, status.Errorf(codes.NotFound, "dataset %q not found", req.GetName())
	}
	for _, c := range req.GetImportConfigs() {
		if len(c.GetGcsSource().GetUris()) == 0 || c.GetImportSchemaUri() == "" {
			return nil, status.Error(codes.InvalidArgument, "import_configs need a gcs_source and an import_schema_uri")
		}
	}
	var uris []string
	for _, c := range req.GetImportConfigs() {
		uris = append(uris, c.GetGcsSource().GetUris()...)
	}
	return s.newOp(&aiplatformpb.ImportDataResponse{}, nil, func() { s.imports[req.GetName()] = append(s.imports[req.GetName()], uris...) }), nil
}
