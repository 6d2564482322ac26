package pipeline

import (
	"context"
	"slices"
	"testing"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// TestRefitUsesGivenProfile: the refit reads the flags of the profile it is handed instead of
// profiling the data again. The handed profile flags a useful column as constant (which a
// fresh profile would never do), so only a refit that uses it drops that column.
func TestRefitUsesGivenProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, err := frame.ReadFile(ctx, datasets.MustPath(t, "iris.csv"), frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	target := f.Names()[f.NCols()-1]
	flagged := f.Names()[0]
	members := []RefitMember{
		{Candidate: automl.Candidate{Learner: automl.GBDT, Params: map[string]string{"num_iterations": "5"}}, Weight: 0.5},
		{Candidate: automl.Candidate{Learner: automl.Linear, Params: map[string]string{}}, Weight: 0.5},
	}
	job := TrainJob{Frame: f, Target: target, Task: automl.Multiclass, Seed: 1, Refit: members}
	dropped := func(job TrainJob) []string {
		t.Helper()
		res, err := LocalTrainer{}.Train(ctx, job)
		if err != nil {
			t.Fatalf("refit: %v", err)
		}
		var out []string
		if len(res.Artifact.Pipelines) != 2 {
			t.Fatalf("refit artifact has %d pipelines, want trees and linear", len(res.Artifact.Pipelines))
		}
		for _, pl := range res.Artifact.Pipelines {
			for _, d := range pl.Dropped {
				out = append(out, d.Column)
			}
		}
		return out
	}
	if got := dropped(job); slices.Contains(got, flagged) {
		t.Fatalf("refit without a profile dropped %v, want %s kept", got, flagged)
	}
	job.Profile = &profile.Profile{Rows: f.NRows(), Flags: []profile.Flag{{Kind: profile.FlagConstant, Column: flagged, Detail: "handed in by the test"}}}
	got := dropped(job)
	if n := len(slices.DeleteFunc(slices.Clone(got), func(c string) bool { return c != flagged })); n != 2 {
		t.Errorf("refit with a profile flagging %s dropped %v, want it dropped by both the tree and the linear encoding", flagged, got)
	}
}
