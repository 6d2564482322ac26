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

func TestVertexRemoveNamedCleansUpLeftovers(t *testing.T) {
	c, srv := start(t)
	ctx := context.Background()
	// A deployment that was never recorded, an upload whose deploy never ran, and another
	// model's deployment that must stay.
	left, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "trainyard-p-1", ArtifactURI: "gs://b/m/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deploy(ctx, left, "trainyard-p-1", vertex.Autoscaling{}); err != nil {
		t.Fatal(err)
	}
	lone, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "trainyard-p-1", ArtifactURI: "gs://b/m/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "trainyard-p-2", ArtifactURI: "gs://b/o/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	keep, err := c.Deploy(ctx, other, "trainyard-p-2", vertex.Autoscaling{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveNamed(ctx, "trainyard-p-1"); err != nil {
		t.Fatalf("RemoveNamed = %v", err)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].GetName() != keep.Endpoint || srv.Model(left) != nil || srv.Model(lone) != nil || srv.Model(other) == nil {
		t.Errorf("after RemoveNamed: %d endpoints, leftover model kept %v, lone model kept %v, other model kept %v; want only the other deployment",
			len(eps), srv.Model(left) != nil, srv.Model(lone) != nil, srv.Model(other) != nil)
	}
	if err := c.RemoveNamed(ctx, "trainyard-p-1"); err != nil {
		t.Errorf("RemoveNamed with nothing left = %v", err)
	}
}
