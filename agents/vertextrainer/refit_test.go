package vertextrainer_test

import (
	"context"
	"strings"
	"testing"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/model"
)

func TestVertexTrainerRefitsTheBlendOnAllRowsInACustomJob(t *testing.T) {
	tr, srv := newTrainer(t, t.TempDir())
	var names []string
	run := container(nil)
	srv.RunJob = func(ctx context.Context, j *aiplatformpb.CustomJob) error {
		names = append(names, j.GetDisplayName())
		return run(ctx, j)
	}
	ctx := context.Background()
	f := twoBlobs(t)
	searched, err := pipeline.LocalTrainer{}.Train(ctx, pipeline.TrainJob{Frame: f, Target: "y", Task: "binary", Trials: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var members []pipeline.RefitMember
	for _, m := range searched.Artifact.Members {
		members = append(members, pipeline.RefitMember{Candidate: automl.Candidate{Learner: m.Learner, Params: m.Params}, Weight: m.Weight})
	}
	job := pipeline.TrainJob{Frame: f, Target: "y", Task: "binary", Seed: 5, Refit: members}
	remote, err := tr.Train(ctx, job)
	if err != nil {
		t.Fatalf("Train(refit) = %v", err)
	}
	local, err := pipeline.LocalTrainer{}.Train(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], "trainyard-refit-") {
		t.Errorf("custom jobs = %v, want one refit job", names)
	}
	if remote.Validation != local.Validation || !strings.Contains(remote.Validation, "refit") {
		t.Errorf("validation = %q, want the local refit's %q", remote.Validation, local.Validation)
	}
	if got, want := len(remote.Artifact.Members), len(members); got != want {
		t.Fatalf("refit members = %d, want %d", got, want)
	}
	if remote.Artifact.Training.Rows != f.NRows() {
		t.Errorf("refit rows = %d, want every row (%d)", remote.Artifact.Training.Rows, f.NRows())
	}
	// Same configurations, same rows, same seed: the job's model predicts as the local refit.
	pr, err := model.NewPredictor(remote.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := model.NewPredictor(local.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	br, err := pr.PredictFrame(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	bl, err := pl.PredictFrame(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bl.Probabilities, br.Probabilities); diff != "" {
		t.Errorf("probabilities of the Vertex refit vs the local refit (-local +vertex):\n%s", diff)
	}
}
