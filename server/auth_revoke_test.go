package server_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// TestRevokedKeyRefusedAtOnce: a key whose answers are cached (it has just predicted) is
// refused on the very next call after DeleteApiKey, over Connect, gRPC and REST.
func TestRevokedKeyRefusedAtOnce(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	m := h.deploy(owner, trainOn(t, "iris.csv", "species", "5"))
	_, keys := h.connectClients()
	ctx := withKey(context.Background(), owner.key)
	k, err := keys.CreateApiKey(ctx, &trainyardv1.CreateApiKeyRequest{ApiKey: &trainyardv1.ApiKey{DisplayName: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	req := &trainyardv1.PredictRequest{Name: "models/" + m.ID.String(),
		Instances: instances(t, `[{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}]`)}
	if _, codes := h.predictOver(t, k.GetSecret(), req); len(codes) > 0 {
		t.Fatalf("Predict with the new key: errors %v", codes)
	}
	if _, err := keys.DeleteApiKey(ctx, &trainyardv1.DeleteApiKeyRequest{Name: k.GetName()}); err != nil {
		t.Fatalf("DeleteApiKey = %v", err)
	}
	_, codes := h.predictOver(t, k.GetSecret(), req)
	for _, proto := range []string{"connect", "grpc", "rest"} {
		if codes[proto] != connect.CodeUnauthenticated {
			t.Errorf("Predict over %s right after the revoke = code %v, want Unauthenticated (401)", proto, codes[proto])
		}
	}
}
