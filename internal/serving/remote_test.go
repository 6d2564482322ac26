package serving_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/model"
)

// container answers a deployed model's predictions the way Trainyard's serving container
// does, from the artifact it was deployed with.
func container(t *testing.T, a *model.Artifact) func(*aiplatformpb.Model, []*structpb.Value) ([]*structpb.Value, error) {
	p, err := model.NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	return func(_ *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		out := make([]*structpb.Value, len(in))
		for i, v := range in {
			var pr model.Prediction
			if err := p.PredictMap(v.GetStructValue().AsMap(), &pr); err != nil {
				return nil, err
			}
			probs := map[string]any{}
			for j, c := range p.Classes() {
				probs[c] = pr.Probabilities[j]
			}
			s, err := structpb.NewValue(map[string]any{"label": pr.Label, "probabilities": probs})
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
}

func TestVertexRemotePredictionsGoThroughTheEndpoint(t *testing.T) {
	ctx := context.Background()
	a := irisArtifact(t, "10")
	b := newBlobs(t)
	put(t, b, "models/m/model.json.gz", a)

	loc := vertex.Location{Project: "p1", Region: "europe-west4"}
	srv, opts := vertextest.Start(t, loc.Parent())
	srv.Serve = container(t, a)
	c, err := vertex.New(ctx, loc, vertex.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	vm, err := c.UploadModel(ctx, vertex.ServedModel{DisplayName: "m", ArtifactURI: "gs://b/models/m/", Image: "img"})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := c.Deploy(ctx, vm, "m", vertex.Autoscaling{MinReplicas: 1, MaxReplicas: 2})
	if err != nil {
		t.Fatal(err)
	}

	reg, err := serving.New(serving.Options{Blobs: b, Remote: c})
	if err != nil {
		t.Fatal(err)
	}
	ref := serving.Ref{ID: uuid.New(), ArtifactKey: "models/m/model.json.gz", Version: time.Unix(1, 0), Endpoint: dep.Endpoint}
	lm, err := reg.Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !lm.Remote() || lm.Endpoint != dep.Endpoint {
		t.Fatalf("Loaded.Remote() = %v, Endpoint = %q; want the endpoint %s", lm.Remote(), lm.Endpoint, dep.Endpoint)
	}
	row, _, err := lm.Row(serving.MapFields{"sepal_length_cm": 6.3, "sepal_width_cm": 2.9, "petal_length_cm": 5.6, "petal_width_cm": 1.8})
	if err != nil {
		t.Fatal(err)
	}
	var got, want model.Prediction
	if err := lm.Predict(ctx, row, &got); err != nil {
		t.Fatalf("Predict = %v", err)
	}
	if err := lm.PredictLocal(row, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Predict through the endpoint (-local +endpoint):\n%s", diff)
	}
	if n := srv.Calls("Predict"); n != 1 {
		t.Errorf("endpoint Predict calls = %d, want 1", n)
	}

	// An AutoML tabular model answers {"classes", "scores"}: the same prediction.
	pr, err := model.NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	srv.Serve = func(_ *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		var out []*structpb.Value
		for _, v := range in {
			var p model.Prediction
			if err := pr.PredictMap(v.GetStructValue().AsMap(), &p); err != nil {
				return nil, err
			}
			var cs, ss []any
			for j, c := range pr.Classes() {
				cs, ss = append(cs, c), append(ss, p.Probabilities[j])
			}
			sv, err := structpb.NewValue(map[string]any{"classes": cs, "scores": ss})
			if err != nil {
				return nil, err
			}
			out = append(out, sv)
		}
		return out, nil
	}
	if err := lm.Predict(ctx, row, &got); err != nil {
		t.Fatalf("Predict on an AutoML answer = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Predict from an AutoML answer (-local +endpoint):\n%s", diff)
	}

	// A container answering in another shape is refused, not passed on.
	srv.Serve = func(_ *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		v, _ := structpb.NewValue(map[string]any{"label": "tulip"})
		return []*structpb.Value{v}, nil
	}
	if err := lm.Predict(ctx, row, &got); err == nil || !strings.Contains(err.Error(), "tulip") {
		t.Errorf("Predict with an unknown label = %v, want an error naming it", err)
	}
	// The endpoint's failure is the prediction's error, not a silent local answer.
	if err := c.Undeploy(ctx, dep); err != nil {
		t.Fatal(err)
	}
	if err := lm.Predict(ctx, row, &got); err == nil || !strings.Contains(err.Error(), dep.Endpoint) {
		t.Errorf("Predict after undeploy = %v, want the endpoint's error", err)
	}

	// A registry without a Remote answers such a model from its artifact.
	local, _ := serving.New(serving.Options{Blobs: b})
	lm3, err := local.Get(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if lm3.Remote() {
		t.Error("Loaded.Remote() without a Remote = true")
	}
	if err := lm3.Predict(ctx, row, &got); err != nil || got.Label != want.Label {
		t.Errorf("local Predict = %v, %v; want %s", got.Label, err, want.Label)
	}
}
