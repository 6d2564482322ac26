package vertextrainer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/model"
)

// containers runs each deployed model's serving container as Vertex would: ServeMain with
// the AIP_* variables on a free port, then forwards predictions to its HTTP route.
type containers struct {
	t    *testing.T
	ctx  context.Context
	mu   sync.Mutex
	urls map[string]string // model name → predict URL
}

func (c *containers) serve(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
	c.mu.Lock()
	u, ok := c.urls[m.GetName()]
	if !ok {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		cs := m.GetContainerSpec()
		env := map[string]string{"AIP_STORAGE_URI": m.GetArtifactUri(), "AIP_HTTP_PORT": port,
			"AIP_PREDICT_ROUTE": cs.GetPredictRoute(), "AIP_HEALTH_ROUTE": cs.GetHealthRoute()}
		go vertextrainer.ServeMain(c.ctx, cs.GetArgs()[2:], func(k string) string { return env[k] }, io.Discard)
		base := "http://127.0.0.1:" + port
		for i := 0; ; i++ {
			r, err := http.Get(base + cs.GetHealthRoute())
			if err == nil && r.StatusCode == 200 {
				r.Body.Close()
				break
			}
			if i > 200 {
				c.mu.Unlock()
				return nil, fmt.Errorf("container did not become healthy: %v", err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		u = base + cs.GetPredictRoute()
		c.urls[m.GetName()] = u
	}
	c.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"instances": in})
	r, err := http.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	var out struct {
		Predictions []*structpb.Value `json:"predictions"`
		Error       string            `json:"error"`
	}
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
		return nil, err
	}
	if r.StatusCode != 200 {
		return nil, fmt.Errorf("%d: %s", r.StatusCode, out.Error)
	}
	return out.Predictions, nil
}

func TestVertexDeployServesTheModelThroughTheEndpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	blobURL := "file://" + filepath.ToSlash(filepath.Join(dir, "blobs"))
	bl, err := blob.Open(ctx, blobURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer bl.Close()
	res, err := pipeline.LocalTrainer{}.Train(ctx, pipeline.TrainJob{Frame: twoBlobs(t), Target: "y", Task: "binary", Trials: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := bl.Create(ctx, "models/m1/model.bin", "application/octet-stream")
	if err := res.Artifact.Save(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	loc := vertex.Location{Project: "p1", Region: "us-central1"}
	srv, opts := vertextest.Start(t, loc.Parent())
	srv.Serve = (&containers{t: t, ctx: ctx, urls: map[string]string{}}).serve
	c, err := vertex.New(ctx, loc, vertex.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := &vertextrainer.Deployer{Client: c, Image: "img/worker:1", BlobURL: blobURL}
	dep, err := d.Deploy(ctx, "m1", "models/m1/model.bin")
	if err != nil {
		t.Fatalf("Deploy = %v", err)
	}
	rows := []map[string]any{{"x": 1.0, "z": 0.3, "cat": "a"}, {"x": 8.5, "z": -0.2, "cat": "c"}, {"x": nil, "z": 0.0, "cat": "b"}}
	got, err := d.Predict(ctx, dep, rows)
	if err != nil {
		t.Fatalf("Predict = %v", err)
	}
	p, err := model.NewPredictor(res.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	var want []any
	for _, r := range rows {
		var pr model.Prediction
		if err := p.PredictMap(r, &pr); err != nil {
			t.Fatal(err)
		}
		probs := map[string]any{}
		for j, cl := range p.Classes() {
			probs[cl] = pr.Probabilities[j]
		}
		want = append(want, map[string]any{"label": pr.Label, "probabilities": probs})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("predictions through the endpoint differ from the local predictor (-want +got):\n%s", diff)
	}
	if got[0].(map[string]any)["label"] == got[1].(map[string]any)["label"] {
		t.Errorf("x=1 and x=8.5 got the same label %v: the model did not learn the split", got[0])
	}
	if _, err := d.Predict(ctx, dep, []map[string]any{{"z": 1.0}}); err == nil {
		t.Error("Predict without column x = nil error, want the container's error")
	}
	if err := d.Undeploy(ctx, dep); err != nil {
		t.Fatalf("Undeploy = %v", err)
	}
	if eps := srv.Endpoints(); len(eps) != 0 {
		t.Errorf("endpoints after Undeploy = %d", len(eps))
	}
}
