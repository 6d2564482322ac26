package vertextrainer_test

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
)

// container returns a RunJob hook that does what the worker image does on Vertex: it runs
// `trainyard ml vertex-job` with the job's arguments (Main), which opens the blob store by its
// URL and runs the job with the local engine. fail, when it returns an error, makes the container
// exit non-zero first.
func container(fail func() error) func(context.Context, *aiplatformpb.CustomJob) error {
	return func(ctx context.Context, j *aiplatformpb.CustomJob) error {
		if fail != nil {
			if err := fail(); err != nil {
				return err
			}
		}
		args := j.GetJobSpec().GetWorkerPoolSpecs()[0].GetContainerSpec().GetArgs()
		if len(args) < 2 || args[0] != "ml" || args[1] != "vertex-job" {
			return errors.New("unexpected arguments")
		}
		return vertextrainer.Main(ctx, args[2:], io.Discard)
	}
}

// newTrainer returns a trainer on a fresh fake and a blob folder.
func newTrainer(t *testing.T, dir string) (*vertextrainer.Trainer, *vertextest.Server) {
	t.Helper()
	loc := vertex.Location{Project: "p1", Region: "us-central1"}
	srv, opts := vertextest.Start(t, loc.Parent())
	c, err := vertex.New(context.Background(), loc, vertex.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	blobURL := "file://" + filepath.ToSlash(filepath.Join(dir, "blobs"))
	bl, err := blob.Open(context.Background(), blobURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	return &vertextrainer.Trainer{Client: c, Blobs: bl, BlobURL: blobURL, Image: "us-docker.pkg.dev/p1/trainyard/worker:1"}, srv
}

// twoBlobs is a small separable table with a missing value and a category.
func twoBlobs(t *testing.T) *frame.Frame {
	n := 120
	x, z := make([]float64, n), make([]float64, n)
	cat, y := make([]string, n), make([]string, n)
	for i := range n {
		x[i] = float64(i%10) + 0.1*float64(i%7)
		z[i] = math.Sin(float64(i))
		cat[i] = []string{"a", "b", "c"}[i%3]
		y[i] = "no"
		if x[i] > 4.5 {
			y[i] = "yes"
		}
	}
	x[3] = math.NaN()
	f, err := frame.New(frame.NewNumeric("x", x), frame.NewNumeric("z", z), frame.NewStrings("cat", frame.Categorical, cat), frame.NewStrings("y", frame.Categorical, y))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVertexTrainerRunsTheEngineInACustomJob(t *testing.T) {
	tr, srv := newTrainer(t, t.TempDir())
	srv.RunJob = container(nil)
	var states []string
	tr.OnState = func(_ string, s aiplatformpb.JobState) { states = append(states, s.String()) }
	trials := 0
	res, err := tr.Train(context.Background(), pipeline.TrainJob{Frame: twoBlobs(t), Target: "y", Task: "binary", Trials: 3, Seed: 7,
		Budget: 10 * time.Minute, OnTrial: func(automl.Trial) { trials++ }})
	if err != nil {
		t.Fatalf("Train = %v", err)
	}
	local, err := pipeline.LocalTrainer{}.Train(context.Background(), pipeline.TrainJob{Frame: twoBlobs(t), Target: "y", Task: "binary", Trials: 3, Seed: 7, Budget: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Artifact == nil || res.Finished != local.Finished || res.Score != local.Score || res.Metric != local.Metric || len(res.OOF) != len(local.OOF) {
		t.Errorf("vertex result = finished %d score %v metric %s oof %d; local = %d %v %s %d",
			res.Finished, res.Score, res.Metric, len(res.OOF), local.Finished, local.Score, local.Metric, len(local.OOF))
	}
	if trials != len(res.Trials) || trials == 0 {
		t.Errorf("OnTrial calls = %d, want one per trial (%d)", trials, len(res.Trials))
	}
	if strings.Join(res.Classes, ",") != "no,yes" && strings.Join(res.Classes, ",") != strings.Join(local.Classes, ",") {
		t.Errorf("classes = %v", res.Classes)
	}
	if got := strings.Join(states, " "); got != "JOB_STATE_QUEUED JOB_STATE_PENDING JOB_STATE_RUNNING JOB_STATE_SUCCEEDED" {
		t.Errorf("states = %s", got)
	}
	// The job's timeout is the budget plus the margin; its exchange files are gone afterwards.
	var sent *aiplatformpb.CustomJob
	srv.RunJob = func(_ context.Context, j *aiplatformpb.CustomJob) error { sent = j; return errors.New("killed") }
	_, err = tr.Train(context.Background(), pipeline.TrainJob{Frame: twoBlobs(t), Target: "y", Task: "binary", Trials: 1, Budget: time.Hour})
	if !errors.Is(err, vertex.ErrJobFailed) {
		t.Fatalf("Train with a failing container = %v, want ErrJobFailed", err)
	}
	if d := sent.GetJobSpec().GetScheduling().GetTimeout().AsDuration(); d != 90*time.Minute {
		t.Errorf("job timeout = %v, want 1h30m", d)
	}
	if err := tr.Blobs.DeletePrefix(context.Background(), vertextrainer.JobPrefix); err != nil {
		t.Fatal(err)
	}
}

func TestVertexTrainerInThePipelineRetriesAFailedJob(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline")
	}
	dir := t.TempDir()
	tr, srv := newTrainer(t, dir)
	var jobs atomic.Int32
	srv.RunJob = container(func() error {
		if jobs.Add(1) == 1 {
			return errors.New("the replica workerpool0-0 ran out of memory")
		}
		return nil
	})
	ctx := context.Background()
	e := startPipeline(t, ctx, dir, tr)
	p := completedProject(t, ctx, e, irisPath(t), "predict the species of the flower", 2, 90*time.Second)
	if n := jobs.Load(); n < 2 {
		t.Errorf("custom jobs run = %d, want a failed one and a retry", n)
	}
	entries := auditEntries(t, ctx, e, p)
	retried := false
	for _, a := range entries {
		retried = retried || (strings.Contains(a.Decision, "retry training") && strings.Contains(a.Reasoning, "out of memory"))
	}
	if !retried {
		t.Errorf("no retry decision citing the job's failure among %d audit entries", len(entries))
	}
}

func TestVertexTrainerFromURL(t *testing.T) {
	ctx := context.Background()
	if tr, err := vertextrainer.FromURL(ctx, "local", "", nil, ""); tr != nil || err != nil {
		t.Errorf("FromURL(local) = %v, %v; want nil, nil", tr, err)
	}
	for _, tc := range [][3]string{
		{"vertex://projects/p/locations/l", "", "gs://b"},
		{"vertex://projects/p/locations/l", "img", "file:///tmp/blobs"},
		{"vertex://p/l", "img", "gs://b"},
	} {
		if _, err := vertextrainer.FromURL(ctx, tc[0], tc[1], nil, tc[2]); err == nil {
			t.Errorf("FromURL(%q, %q, %q) = nil error, want one", tc[0], tc[1], tc[2])
		}
	}
	if err := vertextrainer.Main(ctx, []string{"--job", "x/"}, io.Discard); err == nil {
		t.Error("Main without --blob-url = nil error")
	}
}
