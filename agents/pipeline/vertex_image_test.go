package pipeline

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
)

// imageEndpoints is an ImageAutoMLTrainer whose AutoML image model reads the label written in
// each image's bytes and answers it through answer; it records the endpoints removed.
type imageEndpoints struct {
	answer  func(label string) map[string]float64
	removed []string
}

func (*imageEndpoints) Name() string { return "vertex" }

func (*imageEndpoints) Train(context.Context, TrainJob) (*TrainResult, error) {
	return nil, errors.New("this trainer trains AutoML image models only")
}

func (*imageEndpoints) PlanAutoML(AutoMLPlan) (bool, string) { return true, "" }

func (*imageEndpoints) TrainAutoMLImage(_ context.Context, job ImageAutoMLJob) (*Endpoint, error) {
	return &Endpoint{EndpointID: "endpoints/" + job.ProjectID, ExternalID: "models/" + job.ProjectID}, nil
}

func (*imageEndpoints) DeployEndpoint(context.Context, EndpointRequest) (*Endpoint, error) {
	return nil, errors.New("the engine's image model is served by Trainyard")
}

func (f *imageEndpoints) RemoveEndpoint(_ context.Context, endpointID, _ string) error {
	f.removed = append(f.removed, endpointID)
	return nil
}

func (f *imageEndpoints) PredictImages(_ context.Context, _ *Endpoint, images [][]byte) ([]EndpointPrediction, error) {
	out := make([]EndpointPrediction, len(images))
	for i, b := range images {
		out[i].Probabilities = f.answer(string(b))
	}
	return out, nil
}

// TestImageChallengerJudgedLikeTabular: the AutoML image challenger is scored on the test images
// and judged by judgeChallenger, with its wording; one that cannot be scored (its endpoint
// answers NaN confidences) loses with a recorded decision and its endpoint is removed, as a
// tabular challenger does.
func TestImageChallengerJudgedLikeTabular(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	classes := []string{"cat", "dog", "fox"}
	var ex []image.Example
	for i := range 12 {
		c := classes[i%3]
		ex = append(ex, image.Example{Label: c, Data: []byte(c)})
	}
	ds := &dataState{Task: "multiclass", Train: []int{0, 1, 2, 3, 4, 5}, Test: []int{6, 7, 8, 9, 10, 11}}
	ts := &trainState{Metric: "accuracy", Classes: classes, Config: trainConfig{BudgetSeconds: 60}}
	sure := func(label string) map[string]float64 { return map[string]float64{label: 1} }
	for _, tc := range []struct {
		name     string
		answer   func(label string) map[string]float64
		wins     bool
		decision string
	}{
		{"right on every image", sure, true, "serve the AutoML image model on endpoints/"},
		{"wrong on every image", func(label string) map[string]float64 { return sure(classes[(slices.Index(classes, label)+1)%3]) }, false,
			"serve the engine's image model: it scored accuracy 0.5 on the test images, AutoML 0"},
		{"NaN confidences", func(string) map[string]float64 { return map[string]float64{"cat": math.NaN()} }, false,
			"serve the engine's image model: the AutoML challenger could not be scored"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := &imageEndpoints{answer: tc.answer}
			p := New(Deps{Store: st, Trainer: at}, Options{})
			r := &run{p: p, proj: &ent.Project{ID: uuid.New()}, ctx: ctx}
			fin := &finalEval{Iteration: imageIteration, Values: map[string]float64{"accuracy": 0.5}, TestRows: 6}
			out := &outcome{}
			ep, err := p.imageChallenger(ctx, r, ex, ds, ts, fin, out)
			if err != nil {
				t.Fatal(err)
			}
			if (ep != nil) != tc.wins || len(out.decisions) != 1 || !strings.HasPrefix(out.decisions[0].Decision, tc.decision) {
				t.Fatalf("imageChallenger = endpoint %v, decisions %+v; want served %v with a decision %q", ep, out.decisions, tc.wins, tc.decision)
			}
			if tc.wins {
				if fin.Values["accuracy"] != 1 || len(at.removed) != 0 {
					t.Errorf("the winner's accuracy %v is reported, endpoints removed %v; want 1 and none", fin.Values["accuracy"], at.removed)
				}
				return
			}
			if fin.Values["accuracy"] != 0.5 || len(at.removed) != 1 {
				t.Errorf("the engine's accuracy %v is reported, endpoints removed %v; want 0.5 and the challenger's", fin.Values["accuracy"], at.removed)
			}
		})
	}
}
