package vertextrainer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/ml/model"
)

// Predictions answers Vertex AI's prediction contract for a Trainyard model: each instance is
// an object of column → value, each prediction {"label", "probabilities": {class: p}} for a
// classifier or {"value"} for a regressor. A bad instance fails the whole request, naming it.
func Predictions(p *model.Predictor, instances []any) ([]any, error) {
	out := make([]any, len(instances))
	var pr model.Prediction
	for i, in := range instances {
		row, ok := in.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("instance %d is not an object of column values", i)
		}
		if err := p.PredictMap(row, &pr); err != nil {
			return nil, fmt.Errorf("instance %d: %w", i, err)
		}
		if classes := p.Classes(); len(classes) > 0 {
			probs := make(map[string]any, len(classes))
			for j, c := range classes {
				probs[c] = pr.Probabilities[j]
			}
			out[i] = map[string]any{"label": pr.Label, "probabilities": probs}
		} else {
			out[i] = map[string]any{"value": pr.Value}
		}
	}
	return out, nil
}

// ServeHandler serves Vertex AI's custom serving container contract for one model: GET
// healthRoute answers 200, POST predictRoute takes {"instances": [...]} and answers
// {"predictions": [...]}.
func ServeHandler(p *model.Predictor, predictRoute, healthRoute string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+healthRoute, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST "+predictRoute, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Instances []any `json:"instances"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1.5*(1<<20))) // Vertex caps requests at 1.5 MB
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil || len(req.Instances) == 0 {
			http.Error(w, `{"error": "want {\"instances\": [...]}"}`, http.StatusBadRequest)
			return
		}
		for i, in := range req.Instances { // json.Number → float64 keeps PredictMap's types plain
			req.Instances[i] = plainNumbers(in)
		}
		preds, err := Predictions(p, req.Instances)
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"predictions": preds})
	})
	return mux
}

// plainNumbers turns json.Number values of an instance into float64.
func plainNumbers(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, x := range m {
		if n, ok := x.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				m[k] = f
			}
		}
	}
	return m
}

// ServeMain is the serving container's entry point, for `trainyard ml vertex-serve --file
// NAME`: it loads NAME from the folder Vertex AI names in AIP_STORAGE_URI and serves it on
// AIP_HTTP_PORT at AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE until ctx ends.
func ServeMain(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("vertex-serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "model.bin", "the artifact's file name in AIP_STORAGE_URI")
	if err := fs.Parse(args); err != nil {
		return err
	}
	storage := getenv("AIP_STORAGE_URI")
	if storage == "" {
		return errors.New("AIP_STORAGE_URI is not set: run as a Vertex AI serving container")
	}
	art, err := loadArtifact(ctx, storage, *file)
	if err != nil {
		return err
	}
	p, err := model.NewPredictor(art)
	if err != nil {
		return err
	}
	port, predict, health := getenv("AIP_HTTP_PORT"), getenv("AIP_PREDICT_ROUTE"), getenv("AIP_HEALTH_ROUTE")
	if port == "" {
		port = "8080"
	}
	if predict == "" {
		predict = "/predict"
	}
	if health == "" {
		health = "/health"
	}
	srv := &http.Server{Addr: net.JoinHostPort("", port), Handler: ServeHandler(p, predict, health), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadArtifact reads file from the folder at folderURL (gs://bucket/dir or file:///dir).
func loadArtifact(ctx context.Context, folderURL, file string) (*model.Artifact, error) {
	u, err := url.Parse(folderURL)
	if err != nil {
		return nil, err
	}
	key := path.Join(strings.Trim(u.Path, "/"), file)
	bucket := *u
	bucket.Path, bucket.RawQuery = "", ""
	if u.Scheme == "file" { // a file:// folder is its own bucket
		bucket.Path, key = u.Path, file
	}
	bl, err := blob.Open(ctx, bucket.String(), "")
	if err != nil {
		return nil, err
	}
	defer bl.Close()
	r, err := bl.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read model %s: %w", key, err)
	}
	defer r.Close()
	return model.Load(r)
}

// Deployer deploys Trainyard models to Vertex AI endpoints, served by Trainyard's own image
// (`trainyard ml vertex-serve`), for predictions at Google's scale; the model's artifact
// must be in the gs:// bucket BlobURL.
type Deployer struct {
	// Client is the Vertex AI client.
	Client *vertex.Client
	// Image is the serving image (the worker image has the verb).
	Image string
	// BlobURL is the bucket holding the artifacts (gs://BUCKET).
	BlobURL string
	// Autoscaling sizes the deployments (default 1 to 3 replicas at 60% CPU).
	Autoscaling vertex.Autoscaling
}

// Deploy uploads the artifact at key as a Vertex AI model and deploys it on its own endpoint.
func (d *Deployer) Deploy(ctx context.Context, modelID, key string) (vertex.Deployment, error) {
	as := d.Autoscaling
	if as.MaxReplicas == 0 {
		as.MinReplicas, as.MaxReplicas = 1, 3
	}
	name := "trainyard-" + modelID
	m, err := d.Client.UploadModel(ctx, vertex.ServedModel{
		DisplayName: name, ArtifactURI: strings.TrimRight(d.BlobURL, "/") + "/" + path.Dir(key),
		Image: d.Image, Args: []string{"ml", "vertex-serve", "--file", path.Base(key)},
		PredictRoute: "/predict", HealthRoute: "/health", Labels: map[string]string{"trainyard-model": modelID},
	})
	if err != nil {
		return vertex.Deployment{}, err
	}
	dep, err := d.Client.Deploy(ctx, m, name, as)
	if err != nil { // Deploy removed its endpoint; the uploaded model goes too
		return vertex.Deployment{}, errors.Join(err, d.Client.DeleteModel(context.WithoutCancel(ctx), m))
	}
	return dep, nil
}

// Predict scores rows (column → value) through the deployment's endpoint.
func (d *Deployer) Predict(ctx context.Context, dep vertex.Deployment, rows []map[string]any) ([]any, error) {
	in := make([]any, len(rows))
	for i, r := range rows {
		in[i] = r
	}
	return d.Client.Predict(ctx, dep.Endpoint, in)
}

// Undeploy removes the deployment (when the model is deleted or replaced).
func (d *Deployer) Undeploy(ctx context.Context, dep vertex.Deployment) error {
	return d.Client.Undeploy(ctx, dep)
}
