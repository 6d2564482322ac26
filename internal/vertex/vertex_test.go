package vertex_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
)

// fastBackoff keeps the tests in milliseconds.
var fastBackoff = vertex.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond}

// start returns a client of a fresh fake for projects/p1/locations/europe-west4.
func start(t *testing.T) (*vertex.Client, *vertextest.Server) {
	t.Helper()
	loc := vertex.Location{Project: "p1", Region: "europe-west4"}
	srv, opts := vertextest.Start(t, loc.Parent())
	c, err := vertex.New(context.Background(), loc, fastBackoff, opts...)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c, srv
}

func TestVertexParseURL(t *testing.T) {
	loc, err := vertex.ParseURL("vertex://projects/my-proj/locations/us-central1")
	if err != nil || loc != (vertex.Location{Project: "my-proj", Region: "us-central1"}) {
		t.Fatalf("ParseURL = %+v, %v", loc, err)
	}
	if got := loc.Endpoint(); got != "us-central1-aiplatform.googleapis.com:443" {
		t.Errorf("Endpoint() = %q", got)
	}
	for _, bad := range []string{"vertex://projects/p", "gs://projects/p/locations/l", "vertex://projects//locations/l", "vertex://p/l"} {
		if _, err := vertex.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) = nil error, want one", bad)
		}
	}
}

func TestVertexMilliNodeHours(t *testing.T) {
	for _, tc := range []struct {
		budget time.Duration
		nodes  int
		lo, hi int64
		want   int64
	}{
		{2 * time.Hour, 1, 1000, 72000, 2000},
		{10 * time.Minute, 1, 1000, 72000, 1000},  // below the minimum
		{90 * time.Minute, 2, 1000, 72000, 3000},  // two nodes
		{100 * time.Hour, 1, 1000, 72000, 72000},  // capped
		{61 * time.Minute, 1, 1000, 72000, 1017},  // rounded up
		{24 * time.Hour, 1, 20000, 900000, 24000}, // detection
	} {
		if got := vertex.MilliNodeHours(tc.budget, tc.nodes, tc.lo, tc.hi); got != tc.want {
			t.Errorf("MilliNodeHours(%v, %d, %d, %d) = %d, want %d", tc.budget, tc.nodes, tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestVertexCustomJobStatesAndTransientErrors(t *testing.T) {
	c, srv := start(t)
	var ran *aiplatformpb.CustomJob
	srv.RunJob = func(_ context.Context, j *aiplatformpb.CustomJob) error { ran = j; return nil }
	srv.Fail("GetCustomJob", status.Error(codes.Unavailable, "try again"), status.Error(codes.Unavailable, "try again"))
	var states []aiplatformpb.JobState
	job, err := c.RunCustomJob(context.Background(), vertex.CustomJob{
		DisplayName: "train-p42", Image: "europe-docker.pkg.dev/p1/trainyard/worker:1", Args: []string{"ml", "remote-train"},
		Env: map[string]string{"B": "2", "A": "1"}, Timeout: 90 * time.Minute, OutputDir: "gs://b/out/",
	}, func(s aiplatformpb.JobState) { states = append(states, s) })
	if err != nil {
		t.Fatalf("RunCustomJob = %v", err)
	}
	want := []aiplatformpb.JobState{aiplatformpb.JobState_JOB_STATE_QUEUED, aiplatformpb.JobState_JOB_STATE_PENDING,
		aiplatformpb.JobState_JOB_STATE_RUNNING, aiplatformpb.JobState_JOB_STATE_SUCCEEDED}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if job.GetState() != aiplatformpb.JobState_JOB_STATE_SUCCEEDED || ran == nil {
		t.Fatalf("job = %v, ran = %v", job.GetState(), ran != nil)
	}
	spec := ran.GetJobSpec()
	cs := spec.GetWorkerPoolSpecs()[0].GetContainerSpec()
	if cs.GetImageUri() != "europe-docker.pkg.dev/p1/trainyard/worker:1" || strings.Join(cs.GetArgs(), " ") != "ml remote-train" ||
		cs.GetEnv()[0].GetName() != "A" || spec.GetScheduling().GetTimeout().AsDuration() != 90*time.Minute ||
		spec.GetBaseOutputDirectory().GetOutputUriPrefix() != "gs://b/out/" ||
		spec.GetWorkerPoolSpecs()[0].GetMachineSpec().GetMachineType() != vertex.DefaultMachineType {
		t.Errorf("job spec sent = %v", spec)
	}
	if n := srv.Calls("GetCustomJob"); n != 5 {
		t.Errorf("GetCustomJob calls = %d, want 5 (2 transient failures + 3 polls)", n)
	}
}

func TestVertexCustomJobFailure(t *testing.T) {
	c, srv := start(t)
	srv.RunJob = func(context.Context, *aiplatformpb.CustomJob) error { return errors.New("out of memory") }
	_, err := c.RunCustomJob(context.Background(), vertex.CustomJob{DisplayName: "j", Image: "img"}, nil)
	var je *vertex.JobError
	if !errors.As(err, &je) || !errors.Is(err, vertex.ErrJobFailed) {
		t.Fatalf("RunCustomJob = %v, want a *JobError wrapping ErrJobFailed", err)
	}
	if je.State != "JOB_STATE_FAILED" || !strings.Contains(je.Message, "out of memory") {
		t.Errorf("JobError = %+v", je)
	}

	// A permanent error while polling ends the wait at once.
	srv.Fail("GetCustomJob", status.Error(codes.PermissionDenied, "no"))
	if _, err := c.RunCustomJob(context.Background(), vertex.CustomJob{DisplayName: "j", Image: "img"}, nil); status.Code(errors.Unwrap(err)) != codes.PermissionDenied && !strings.Contains(fmt.Sprint(err), "PermissionDenied") {
		t.Errorf("RunCustomJob with a denied poll = %v, want PermissionDenied", err)
	}
	// Quota at creation is returned as it is.
	srv.Fail("CreateCustomJob", status.Error(codes.ResourceExhausted, "quota exceeded for custom_model_training_cpus"))
	if _, err := c.RunCustomJob(context.Background(), vertex.CustomJob{DisplayName: "j", Image: "img"}, nil); err == nil || !strings.Contains(err.Error(), "quota") {
		t.Errorf("RunCustomJob over quota = %v, want the quota error", err)
	}
	// The fake validates like Vertex: a job without an image is refused before the API.
	if _, err := c.RunCustomJob(context.Background(), vertex.CustomJob{DisplayName: "j"}, nil); err == nil {
		t.Error("RunCustomJob without an image = nil error")
	}
}

func TestVertexCustomJobCancelledWithContext(t *testing.T) {
	c, srv := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	srv.RunJob = func(context.Context, *aiplatformpb.CustomJob) error { close(started); return nil }
	_, err := c.RunCustomJob(ctx, vertex.CustomJob{DisplayName: "j", Image: "img"}, func(s aiplatformpb.JobState) {
		if s == aiplatformpb.JobState_JOB_STATE_PENDING {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunCustomJob = %v, want context.Canceled", err)
	}
	if srv.Calls("CancelCustomJob") != 1 {
		t.Fatalf("CancelCustomJob calls = %d, want 1", srv.Calls("CancelCustomJob"))
	}
	select {
	case <-started:
		t.Error("the cancelled job's container ran")
	default:
	}
}

func TestVertexAutoMLTabular(t *testing.T) {
	c, srv := start(t)
	var got *aiplatformpb.TrainingPipeline
	srv.TrainAutoML = func(p *aiplatformpb.TrainingPipeline) error { got = p; return nil }
	var states []aiplatformpb.PipelineState
	m, err := c.TrainTabular(context.Background(), vertex.TabularTask{
		DisplayName: "churn", SourceURI: "gs://b/train.csv", Target: "Churn", PredictionType: "classification",
		Objective: "maximize-au-prc", Columns: []string{"tenure", "plan"}, Budget: 20 * time.Minute,
	}, func(s aiplatformpb.PipelineState) { states = append(states, s) })
	if err != nil {
		t.Fatalf("TrainTabular = %v", err)
	}
	if m.GetName() == "" || m.GetTrainingPipeline() != got.GetName() || srv.Model(m.GetName()) == nil {
		t.Errorf("model = %v, want the pipeline's uploaded model", m)
	}
	if len(states) != 4 || states[3] != aiplatformpb.PipelineState_PIPELINE_STATE_SUCCEEDED {
		t.Errorf("states = %v", states)
	}
	in := got.GetTrainingTaskInputs().AsInterface().(map[string]any)
	want := map[string]any{
		"targetColumn": "Churn", "predictionType": "classification", "optimizationObjective": "maximize-au-prc",
		"trainBudgetMilliNodeHours": 1000.0, // 20 minutes is raised to the 1 node-hour minimum
		"transformations":           []any{map[string]any{"auto": map[string]any{"columnName": "tenure"}}, map[string]any{"auto": map[string]any{"columnName": "plan"}}},
	}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("training inputs (-want +got):\n%s", diff)
	}
	if got.GetTrainingTaskDefinition() != vertex.TabularTrainingDefinition {
		t.Errorf("definition = %q", got.GetTrainingTaskDefinition())
	}
}

func TestVertexAutoMLImageObjectDetectionAndFailure(t *testing.T) {
	c, srv := start(t)
	srv.OpPolls = 3
	var got *aiplatformpb.TrainingPipeline
	srv.TrainAutoML = func(p *aiplatformpb.TrainingPipeline) error { got = p; return nil }
	m, err := c.TrainImage(context.Background(), vertex.ImageTask{DisplayName: "boxes", ImportURI: "gs://b/boxes.jsonl", ObjectDetection: true, Budget: 30 * time.Hour}, nil)
	if err != nil {
		t.Fatalf("TrainImage = %v", err)
	}
	if m.GetName() == "" || got.GetTrainingTaskDefinition() != vertex.ImageObjectDetectionTraining {
		t.Errorf("model %v from definition %q", m.GetName(), got.GetTrainingTaskDefinition())
	}
	if b := got.GetTrainingTaskInputs().GetStructValue().GetFields()["budgetMilliNodeHours"].GetNumberValue(); b != 30000 {
		t.Errorf("budget = %v, want 30000", b)
	}
	if srv.Calls("ImportData") != 1 || srv.Calls("GetOperation") < 6 {
		t.Errorf("ImportData calls = %d, GetOperation = %d", srv.Calls("ImportData"), srv.Calls("GetOperation"))
	}

	srv.TrainAutoML = func(*aiplatformpb.TrainingPipeline) error {
		return errors.New("too few labeled images: 3 of label cat")
	}
	_, err = c.TrainImage(context.Background(), vertex.ImageTask{DisplayName: "cats", ImportURI: "gs://b/cats.csv", Budget: time.Hour}, nil)
	var je *vertex.JobError
	if !errors.As(err, &je) || je.State != "PIPELINE_STATE_FAILED" || !strings.Contains(je.Message, "too few") {
		t.Errorf("TrainImage failing = %v, want a failed pipeline", err)
	}
}

func TestVertexDeployPredictUndeploy(t *testing.T) {
	c, srv := start(t)
	srv.Serve = func(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		out := make([]*structpb.Value, len(in))
		for i, v := range in {
			f := v.GetStructValue().GetFields()
			x, ok := f["x"]
			if !ok {
				return nil, errors.New("instance has no field x")
			}
			out[i] = structpb.NewNumberValue(2 * x.GetNumberValue())
		}
		return out, nil
	}
	ctx := context.Background()
	model, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "m1", ArtifactURI: "gs://b/models/m1/", Image: "img/server:1", PredictRoute: "/predict", HealthRoute: "/healthz"})
	if err != nil {
		t.Fatalf("UploadModel = %v", err)
	}
	d, err := c.Deploy(ctx, model, "m1", vertex.Autoscaling{MinReplicas: 1, MaxReplicas: 3})
	if err != nil {
		t.Fatalf("Deploy = %v", err)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || len(eps[0].GetDeployedModels()) != 1 {
		t.Fatalf("endpoints = %v", eps)
	}
	r := eps[0].GetDeployedModels()[0].GetDedicatedResources()
	if r.GetMinReplicaCount() != 1 || r.GetMaxReplicaCount() != 3 || r.GetAutoscalingMetricSpecs()[0].GetMetricName() != vertex.CPUUtilization {
		t.Errorf("resources = %v", r)
	}
	preds, err := c.Predict(ctx, d.Endpoint, []any{map[string]any{"x": 1.5}, map[string]any{"x": -2.0}})
	if err != nil {
		t.Fatalf("Predict = %v", err)
	}
	if diff := cmp.Diff([]any{3.0, -4.0}, preds); diff != "" {
		t.Errorf("Predict (-want +got):\n%s", diff)
	}
	if _, err := c.Predict(ctx, d.Endpoint, []any{map[string]any{"y": 1.0}}); status.Code(errors.Unwrap(err)) != codes.InvalidArgument && !strings.Contains(fmt.Sprint(err), "no field x") {
		t.Errorf("Predict with a bad instance = %v", err)
	}
	if err := c.Undeploy(ctx, d); err != nil {
		t.Fatalf("Undeploy = %v", err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 {
		t.Errorf("endpoints after Undeploy = %v, want none", eps)
	}
	if err := c.Undeploy(ctx, d); err != nil {
		t.Errorf("second Undeploy = %v, want nil (already gone)", err)
	}
	if _, err := c.Predict(ctx, d.Endpoint, []any{map[string]any{"x": 1.0}}); err == nil {
		t.Error("Predict after Undeploy = nil error")
	}
}

func TestVertexDeployFailureDeletesEndpoint(t *testing.T) {
	c, srv := start(t)
	ctx := context.Background()
	model, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "m1", ArtifactURI: "gs://b/m/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Fail("DeployModel", status.Error(codes.ResourceExhausted, "quota exceeded: custom_model_serving_cpus"))
	if _, err := c.Deploy(ctx, model, "m1", vertex.Autoscaling{MinReplicas: 1, MaxReplicas: 2}); err == nil || !strings.Contains(err.Error(), "quota") {
		t.Fatalf("Deploy = %v, want the quota error", err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 {
		t.Errorf("endpoints after a failed deploy = %d, want 0", len(eps))
	}
	if _, err := c.Deploy(ctx, "projects/p1/locations/europe-west4/models/nope", "x", vertex.Autoscaling{}); err == nil {
		t.Error("Deploy of a missing model = nil error")
	}
}
