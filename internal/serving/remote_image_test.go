package serving_test

import (
	"bytes"
	"context"
	"encoding/base64"
	goimage "image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// shade returns a noisy 10×10 PNG, light or dark.
func shade(t *testing.T, rng *rand.Rand, light bool) []byte {
	img := goimage.NewGray(goimage.Rect(0, 0, 10, 10))
	for i := range img.Pix {
		v := 30 + rng.IntN(60)
		if light {
			v += 150
		}
		img.Pix[i] = uint8(v)
	}
	img.Set(0, 0, color.Gray{uint8(rng.IntN(256))})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVertexRemoteImagePredictionsGoThroughTheEndpoint(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 5))
	var ex []image.Example
	for i := range 40 {
		label := []string{"dark", "light"}[i%2]
		ex = append(ex, image.Example{Label: label, Data: shade(t, rng, label == "light")})
	}
	c, err := image.FitClassifier(ctx, ex, image.ClassifierParams{Budget: time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.NewImage(c, model.Training{})
	if err != nil {
		t.Fatal(err)
	}
	b := newBlobs(t)
	put(t, b, "models/img/model.json.gz", a)

	loc := vertex.Location{Project: "p1", Region: "us-central1"}
	srv, opts := vertextest.Start(t, loc.Parent())
	var sent []*structpb.Value
	// The endpoint is an AutoML image classifier trained on the same images.
	srv.Serve = func(_ *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		sent = in
		raw, err := base64.StdEncoding.DecodeString(in[0].GetStructValue().GetFields()["content"].GetStringValue())
		if err != nil {
			return nil, err
		}
		pr, err := c.PredictProba([]image.Example{{Data: raw}})
		if err != nil {
			return nil, err
		}
		v, err := structpb.NewValue(map[string]any{"displayNames": []any{c.Classes[1], c.Classes[0]}, "confidences": []any{pr[0][1], pr[0][0]}})
		return []*structpb.Value{v}, err
	}
	vc, err := vertex.New(ctx, loc, vertex.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	vm, err := vc.UploadModel(ctx, vertex.ServedModel{DisplayName: "img", ArtifactURI: "gs://b/models/img/", Image: "automl"})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := vc.Deploy(ctx, vm, "img", vertex.Autoscaling{Automatic: true, MinReplicas: 1, MaxReplicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := serving.New(serving.Options{Blobs: b, Remote: vc})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := reg.Get(ctx, serving.Ref{ID: uuid.New(), ArtifactKey: "models/img/model.json.gz", Version: time.Unix(1, 0), Endpoint: dep.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	for _, light := range []bool{false, true} {
		img := shade(t, rng, light)
		row, _, err := lm.Row(serving.MapFields{"image": base64.StdEncoding.EncodeToString(img)})
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
		if got.Label != want.Label || len(got.Probabilities) != 2 || got.Probabilities[0] != want.Probabilities[0] {
			t.Errorf("endpoint prediction %+v, local %+v; want the same", got, want)
		}
		if f := sent[0].GetStructValue().GetFields(); len(f) != 1 || f["content"] == nil {
			t.Errorf("instance sent = %v, want {content: base64}", sent[0])
		}
	}
}
