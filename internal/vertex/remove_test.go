package vertex_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trainyard/trainyard/internal/vertex"
)

func TestVertexRemoveUndeploysDeletesEndpointAndModel(t *testing.T) {
	c, srv := start(t)
	ctx := context.Background()
	model, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "m1", ArtifactURI: "gs://b/m/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Deploy(ctx, model, "m1", vertex.Autoscaling{MinReplicas: 1, MaxReplicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Vertex refuses to delete a deployed model.
	if err := c.DeleteModel(ctx, model); err == nil || !strings.Contains(err.Error(), "undeploy it first") {
		t.Fatalf("DeleteModel of a deployed model = %v, want FailedPrecondition", err)
	}
	// A transient failure of the undeploy leaves everything in place and is reported.
	srv.Fail("UndeployModel", status.Error(codes.PermissionDenied, "aiplatform.endpoints.undeploy denied"))
	if err := c.Remove(ctx, d.Endpoint, model); err == nil {
		t.Fatal("Remove with a denied undeploy = nil error")
	}
	if srv.Model(model) == nil || len(srv.Endpoints()) != 1 {
		t.Fatalf("after a failed Remove: model %v, endpoints %d; want both kept", srv.Model(model) != nil, len(srv.Endpoints()))
	}
	if err := c.Remove(ctx, d.Endpoint, model); err != nil {
		t.Fatalf("Remove = %v", err)
	}
	if srv.Model(model) != nil || len(srv.Endpoints()) != 0 {
		t.Errorf("after Remove: model kept %v, endpoints %d; want none", srv.Model(model) != nil, len(srv.Endpoints()))
	}
	if err := c.Remove(ctx, d.Endpoint, model); err != nil {
		t.Errorf("second Remove = %v, want nil (already gone)", err)
	}
}
