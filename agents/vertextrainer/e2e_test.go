package vertextrainer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// TestVertexEndToEnd runs a project with the Vertex AI backend against the fake, as
// `trainyard serve --trainer-url vertex://...` wires it: the search and the refit run in custom
// jobs, DEPLOYMENT deploys the model on an endpoint, the API's Predict is answered by that
// endpoint's serving container, and DeleteModel undeploys it and deletes the Vertex model.
func TestVertexEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	tr, srv := newTrainer(t, dir)
	srv.RunJob = container(nil)
	ctrs := &containers{t: t, ctx: ctx, urls: map[string]string{}}
	srv.Serve = ctrs.serve
	tr.Autoscaling.MaxReplicas = 4

	e := startPipeline(t, ctx, dir, tr)
	p := completedProject(t, ctx, e, irisPath(t), "predict the species of the flower", 1, 90*time.Second)
	m := projectModel(t, ctx, e, p)
	if m.State != store.ModelDeployed || m.EndpointID == "" || m.ExternalID == "" {
		t.Fatalf("model = %s, endpoint %q, external %q; want DEPLOYED on an endpoint", m.State, m.EndpointID, m.ExternalID)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].GetName() != m.EndpointID || len(eps[0].GetDeployedModels()) != 1 {
		t.Fatalf("fake endpoints = %v, want the model's endpoint with one deployed model", eps)
	}
	dm := eps[0].GetDeployedModels()[0]
	if dm.GetModel() != m.ExternalID || dm.GetDedicatedResources().GetMinReplicaCount() != 1 || dm.GetDedicatedResources().GetMaxReplicaCount() != 4 {
		t.Errorf("deployed model = %v, want %s on 1 to 4 replicas", dm, m.ExternalID)
	}
	if vm := srv.Model(m.ExternalID); vm == nil || !strings.HasSuffix(vm.GetArtifactUri(), "/pipeline/model") {
		t.Errorf("Vertex model = %v, want the pipeline's artifact folder", vm)
	}
	entries := auditEntries(t, ctx, e, p)
	var served bool
	for _, a := range entries {
		served = served || strings.HasPrefix(a.Decision, "serve the model on the vertex endpoint "+m.EndpointID)
	}
	if !served {
		t.Errorf("no deployment decision naming the endpoint among %d audit entries", len(entries))
	}

	base, hc := startAPI(t, ctx, e, tr)
	inst, err := structpb.NewStruct(map[string]any{"sepal_length_cm": 6.3, "sepal_width_cm": 2.9, "petal_length_cm": 5.6, "petal_width_cm": 1.8})
	if err != nil {
		t.Fatal(err)
	}
	pc := trainyardv1connect.NewPredictionServiceClient(hc, base)
	before := srv.Calls("Predict")
	resp, err := pc.Predict(ctx, &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(), Instances: []*structpb.Struct{inst}})
	if err != nil {
		t.Fatalf("Predict = %v", err)
	}
	pred := resp.GetPredictions()[0]
	if pred.GetError() != "" || pred.GetLabel() == "" || len(pred.GetProbabilities()) != 3 {
		t.Fatalf("prediction = %v", pred)
	}
	if n := srv.Calls("Predict") - before; n != 1 {
		t.Errorf("endpoint Predict calls = %d, want the API's prediction answered by the endpoint", n)
	}

	mc := trainyardv1connect.NewModelServiceClient(hc, base)
	// Vertex failing to undeploy keeps the model, so its endpoint is not left billing unseen.
	srv.Fail("GetEndpoint", connect.NewError(connect.CodePermissionDenied, nil))
	del := &trainyardv1.DeleteModelRequest{Name: "models/" + m.ID.String()}
	if _, err := mc.DeleteModel(ctx, del); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("DeleteModel with Vertex refusing = %v, want Unavailable", err)
	}
	if len(srv.Endpoints()) != 1 {
		t.Fatal("the endpoint went away although DeleteModel failed")
	}
	if _, err := mc.DeleteModel(ctx, del); err != nil {
		t.Fatalf("DeleteModel = %v", err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 || srv.Model(m.ExternalID) != nil {
		t.Errorf("after DeleteModel: %d endpoints, Vertex model kept %v; want both gone", len(eps), srv.Model(m.ExternalID) != nil)
	}
	if m, _ = e.Store.GetModel(store.SystemContext(ctx), m.ID); m.State != store.ModelDeleted {
		t.Errorf("model state after DeleteModel = %s", m.State)
	}
}
