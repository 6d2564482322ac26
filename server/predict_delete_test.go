package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/trainyard/trainyard/gen/go/inference"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// TestDeleteModelStopsServing: a model that answers on every protocol (Predict over Connect,
// gRPC and REST; the Open Inference Protocol over REST and gRPC) answers NotFound on all of
// them right after DeleteModel, though its copy was loaded and its record cached.
func TestDeleteModelStopsServing(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	m := h.deploy(owner, trainOn(t, "iris.csv", "species", "5"))
	req := &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(),
		Instances: instances(t, `[{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}]`)}
	conn, err := grpc.NewClient(h.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	oip := inference.NewGRPCInferenceServiceClient(conn)
	gctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+owner.key)
	infer := func() (int, string) {
		body := `{"inputs": [` +
			`{"name": "sepal_length_cm", "datatype": "FP64", "shape": [1], "data": [5.1]},` +
			`{"name": "sepal_width_cm", "datatype": "FP64", "shape": [1], "data": [3.5]},` +
			`{"name": "petal_length_cm", "datatype": "FP64", "shape": [1], "data": [1.4]},` +
			`{"name": "petal_width_cm", "datatype": "FP64", "shape": [1], "data": [0.2]}]}`
		r, _ := http.NewRequest(http.MethodPost, h.base+"/v2/models/"+m.ID.String()+"/infer", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+owner.key)
		r.Header.Set("Content-Type", "application/json")
		res, err := h.http.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}

	// Before: every protocol answers (and the model is loaded and its record cached).
	if res, codes := h.predictOver(t, owner.key, req); len(codes) > 0 || len(res) != 3 {
		t.Fatalf("Predict before the delete: errors %v", codes)
	}
	if code, body := infer(); code != http.StatusOK {
		t.Fatalf("OIP REST infer before the delete = %d %s", code, body)
	}
	if r, err := oip.ModelReady(gctx, &inference.ModelReadyRequest{Name: m.ID.String()}); err != nil || !r.GetReady() {
		t.Fatalf("OIP gRPC ModelReady before the delete = %v, %v", r, err)
	}

	if _, err := h.cms.DeleteModel(withKey(context.Background(), owner.key), &trainyardv1.DeleteModelRequest{Name: "models/" + m.ID.String()}); err != nil {
		t.Fatalf("DeleteModel = %v", err)
	}

	_, codes := h.predictOver(t, owner.key, req)
	for _, proto := range []string{"connect", "grpc", "rest"} {
		if codes[proto] != connect.CodeNotFound {
			t.Errorf("Predict over %s after the delete = code %v, want NotFound", proto, codes[proto])
		}
	}
	if code, body := infer(); code != http.StatusNotFound {
		t.Errorf("OIP REST infer after the delete = %d %s, want 404", code, body)
	}
	// Readiness answers "not ready" for a model it cannot serve, as for an unknown id.
	if r, err := oip.ModelReady(gctx, &inference.ModelReadyRequest{Name: m.ID.String()}); err != nil || r.GetReady() {
		t.Errorf("OIP gRPC ModelReady after the delete = %v, %v, want not ready", r, err)
	}
	if _, err := oip.ModelMetadata(gctx, &inference.ModelMetadataRequest{Name: m.ID.String()}); status.Code(err) != grpccodes.NotFound {
		t.Errorf("OIP gRPC ModelMetadata after the delete = %v, want NotFound", err)
	}
	_, err = oip.ModelInfer(gctx, &inference.ModelInferRequest{ModelName: m.ID.String(),
		Inputs: []*inference.ModelInferRequest_InferInputTensor{{Name: "sepal_length_cm", Datatype: "FP64", Shape: []int64{1},
			Contents: &inference.InferTensorContents{Fp64Contents: []float64{5.1}}}}})
	if status.Code(err) != grpccodes.NotFound {
		t.Errorf("OIP gRPC ModelInfer after the delete = %v, want NotFound", err)
	}
}
