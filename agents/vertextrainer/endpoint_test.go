package vertextrainer_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trainyard/trainyard/agents/pipeline"
)

func TestVertexDeployEndpointAgainReplacesAnUnrecordedDeployment(t *testing.T) {
	tr, srv := newTrainer(t, t.TempDir())
	ctx := context.Background()
	req := pipeline.EndpointRequest{ProjectID: "0b9f5b8e-3c1d-4d59-9a57-2f0e6c7a1b42", ArtifactKey: "projects/x/pipeline/model/model.json.gz"}
	first, err := tr.DeployEndpoint(ctx, req)
	if err != nil {
		t.Fatalf("DeployEndpoint = %v", err)
	}
	// The worker stopped before recording first; the stage runs again.
	second, err := tr.DeployEndpoint(ctx, req)
	if err != nil {
		t.Fatalf("second DeployEndpoint = %v", err)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].GetName() != second.EndpointID || srv.Model(first.ExternalID) != nil || srv.Model(second.ExternalID) == nil {
		t.Errorf("endpoints %d, first model kept %v; want only the second deployment", len(eps), srv.Model(first.ExternalID) != nil)
	}
	if second.MinReplicas != 1 || second.MaxReplicas != 3 || second.MachineType != "n1-standard-4" {
		t.Errorf("endpoint = %+v, want 1 to 3 n1-standard-4 replicas", second)
	}
	// A deployment Vertex refuses leaves nothing behind: the uploaded model is deleted.
	srv.Fail("DeployModel", status.Error(codes.ResourceExhausted, "quota exceeded: custom_model_serving_cpus"))
	if _, err := tr.DeployEndpoint(ctx, pipeline.EndpointRequest{ProjectID: "other", ArtifactKey: req.ArtifactKey}); err == nil {
		t.Fatal("DeployEndpoint over quota = nil error")
	}
	if n := len(srv.Endpoints()); n != 1 {
		t.Errorf("endpoints after a refused deployment = %d, want 1", n)
	}
	if err := tr.RemoveEndpoint(ctx, second.EndpointID, second.ExternalID); err != nil {
		t.Fatal(err)
	}
	if len(srv.Endpoints()) != 0 || srv.Model(second.ExternalID) != nil {
		t.Error("RemoveEndpoint left the endpoint or the model")
	}
}
