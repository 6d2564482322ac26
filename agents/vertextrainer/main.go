package vertextrainer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/vertex"
)

// Main is the job's entry point inside the container, for `trainyard ml vertex-job`: it
// parses the arguments Train gives the job (--blob-url gs://BUCKET --job vertex-jobs/ID/),
// opens the blob store and runs the job with the local engine. A non-nil error must make the
// process exit non-zero, which is how Vertex AI learns that the job failed.
func Main(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("vertex-job", flag.ContinueOnError)
	fs.SetOutput(stderr)
	blobURL := fs.String("blob-url", "", "blob store shared with the worker (gs://BUCKET)")
	prefix := fs.String("job", "", "the job's folder in the blob store (vertex-jobs/ID/)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *blobURL == "" || *prefix == "" || fs.NArg() > 0 {
		return errors.New("usage: trainyard ml vertex-job --blob-url gs://BUCKET --job vertex-jobs/ID/")
	}
	bl, err := blob.Open(ctx, *blobURL, "")
	if err != nil {
		return err
	}
	defer bl.Close()
	start := time.Now()
	if err := RunJob(ctx, bl, *prefix, pipeline.LocalTrainer{}); err != nil {
		return fmt.Errorf("vertex job %s: %w", *prefix, err)
	}
	fmt.Fprintf(stderr, "vertex job %s done in %s\n", *prefix, time.Since(start).Round(time.Millisecond))
	return nil
}

// FromURL returns the trainer a --trainer-url names: nil for "local" (the pipeline's default,
// pipeline.LocalTrainer) and a Trainer for vertex://projects/P/locations/L, running image and
// exchanging data through blobs, which must be a gs:// bucket (blobURL) the jobs can read.
// Query parameters tune it: automl=1 trains an AutoML tabular challenger when the budget allows
// (automl_min_budget=DURATION, default 1h), machine=TYPE is the training and serving machine,
// min_replicas=N and max_replicas=N bound the endpoints' autoscaling.
func FromURL(ctx context.Context, trainerURL, image string, blobs *blob.Store, blobURL string) (pipeline.Trainer, error) {
	if trainerURL == "" || trainerURL == "local" {
		return nil, nil
	}
	loc, err := vertex.ParseURL(trainerURL)
	if err != nil {
		return nil, err
	}
	if image == "" {
		return nil, fmt.Errorf("--trainer-url %s needs --trainer-image", trainerURL)
	}
	if len(blobURL) < 5 || blobURL[:5] != "gs://" {
		return nil, fmt.Errorf("--trainer-url %s needs a gs:// --blob-url the training jobs can read, not %q", trainerURL, blobURL)
	}
	tr := &Trainer{BlobURL: blobURL, Image: image, Blobs: blobs}
	if err := tr.setOptions(trainerURL); err != nil {
		return nil, err
	}
	if tr.Client, err = vertex.New(ctx, loc, vertex.Backoff{}); err != nil {
		return nil, err
	}
	return tr, nil
}

// setOptions reads the trainer URL's query parameters.
func (t *Trainer) setOptions(trainerURL string) error {
	u, err := url.Parse(trainerURL)
	if err != nil {
		return err
	}
	q := u.Query()
	for k := range q {
		if !slices.Contains([]string{"automl", "automl_min_budget", "machine", "min_replicas", "max_replicas"}, k) {
			return fmt.Errorf("--trainer-url %s: unknown parameter %q (want automl, automl_min_budget, machine, min_replicas, max_replicas)", trainerURL, k)
		}
	}
	if v := q.Get("automl"); v != "" {
		if t.AutoML, err = strconv.ParseBool(v); err != nil {
			return fmt.Errorf("--trainer-url automl=%q: %w", v, err)
		}
	}
	if v := q.Get("automl_min_budget"); v != "" {
		if t.AutoMLMinBudget, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("--trainer-url automl_min_budget=%q: %w", v, err)
		}
	}
	t.MachineType = q.Get("machine")
	t.Autoscaling.MachineType = t.MachineType
	for _, p := range []struct {
		name string
		dst  *int32
	}{{"min_replicas", &t.Autoscaling.MinReplicas}, {"max_replicas", &t.Autoscaling.MaxReplicas}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < 1 {
				return fmt.Errorf("--trainer-url %s=%q: want a positive number", p.name, v)
			}
			*p.dst = int32(n)
		}
	}
	return nil
}

// ClientFromURL returns a Vertex AI client for a vertex:// --trainer-url, for the API server:
// it answers the predictions of models deployed on Vertex endpoints (serving.Remote) and
// removes a deleted model's endpoint (Remove). Any other URL gives nil, nil.
func ClientFromURL(ctx context.Context, trainerURL string) (*vertex.Client, error) {
	if !strings.HasPrefix(trainerURL, vertex.Scheme+"://") {
		return nil, nil
	}
	loc, err := vertex.ParseURL(trainerURL)
	if err != nil {
		return nil, err
	}
	return vertex.New(ctx, loc, vertex.Backoff{})
}
