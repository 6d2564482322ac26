package vertextrainer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/aiplatform/apiv1/aiplatformpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// autoML plays Vertex AI AutoML tabular inside the fake: a training pipeline reads the CSV its
// dataset names from the blob store and fits a model on it (a small linear search of the local
// engine stands in for Google's), and the deployed model answers in AutoML's format,
// {"classes", "scores"} or {"value"}, from instances of strings and numbers ("" or null for a
// missing value).
type autoML struct {
	t                         *testing.T
	tr                        *vertextrainer.Trainer
	srv                       *vertextest.Server
	trained[*model.Predictor] // training pipeline → model
	runsMu                    sync.Mutex
	runs                      []*aiplatformpb.TrainingPipeline
}

func newAutoML(t *testing.T, tr *vertextrainer.Trainer, srv *vertextest.Server) *autoML {
	a := &autoML{t: t, tr: tr, srv: srv}
	srv.TrainAutoML = a.train
	srv.Serve = a.serve
	return a
}

func (a *autoML) train(p *aiplatformpb.TrainingPipeline) error {
	a.runsMu.Lock()
	a.runs = append(a.runs, p)
	a.runsMu.Unlock()
	if err := a.nextFailure(); err != nil {
		return err
	}
	ds := a.srv.Dataset(a.srv.Parent + "/datasets/" + p.GetInputDataConfig().GetDatasetId())
	if ds == nil {
		return errors.New("dataset not found")
	}
	uri := ds.GetMetadata().GetStructValue().GetFields()["inputConfig"].GetStructValue().GetFields()["gcsSource"].
		GetStructValue().GetFields()["uri"].GetListValue().GetValues()[0].GetStringValue()
	key, ok := strings.CutPrefix(uri, strings.TrimRight(a.tr.BlobURL, "/")+"/")
	if !ok {
		return fmt.Errorf("cannot read %s", uri)
	}
	r, err := a.tr.Blobs.Open(context.Background(), key)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := frame.Read(context.Background(), r, frame.ReadOptions{})
	if err != nil {
		return err
	}
	in := p.GetTrainingTaskInputs().GetStructValue().GetFields()
	target := in["targetColumn"].GetStringValue()
	task := "regression"
	if in["predictionType"].GetStringValue() == "classification" {
		task = "multiclass"
		if levels, _ := f.Col(target).Levels(); len(levels) == 2 {
			task = "binary"
		}
	}
	res, err := pipeline.LocalTrainer{}.Train(context.Background(), pipeline.TrainJob{Frame: f, Target: target, Task: task,
		Families: []string{"linear"}, Trials: 2, Seed: 9})
	if err != nil {
		return err
	}
	pr, err := model.NewPredictor(res.Artifact)
	if err != nil {
		return err
	}
	a.put(p.GetName(), pr)
	return nil
}

func (a *autoML) serve(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
	pr := a.get(m.GetTrainingPipeline())
	if pr == nil {
		return nil, fmt.Errorf("model %s was not trained by AutoML", m.GetName())
	}
	out := make([]*structpb.Value, len(in))
	for i, v := range in {
		row := map[string]any{}
		for k, x := range v.GetStructValue().GetFields() {
			switch x := x.AsInterface().(type) {
			case string:
				if x != "" {
					row[k] = x
				} else {
					row[k] = nil
				}
			case float64, nil:
				row[k] = x
			default:
				return nil, fmt.Errorf("instance %d: %s is %T, want a string or a number", i, k, x)
			}
		}
		var p model.Prediction
		if err := pr.PredictMap(row, &p); err != nil {
			return nil, err
		}
		var ans map[string]any
		if cs := pr.Classes(); len(cs) > 0 {
			var classes, scores []any
			for j, c := range cs {
				classes, scores = append(classes, c), append(scores, p.Probabilities[j])
			}
			ans = map[string]any{"classes": classes, "scores": scores}
		} else {
			ans = map[string]any{"value": p.Value, "lower_bound": p.Value - 1, "upper_bound": p.Value + 1}
		}
		sv, err := structpb.NewValue(ans)
		if err != nil {
			return nil, err
		}
		out[i] = sv
	}
	return out, nil
}

func TestVertexAutoMLTabularTrainsDeploysPredictsAndRetries(t *testing.T) {
	tr, srv := newTrainer(t, t.TempDir())
	a := newAutoML(t, tr, srv)
	tr.AutoML = true
	if ok, why := tr.PlanAutoML(pipeline.AutoMLPlan{Task: "binary", Rows: 100, Budget: 30 * time.Minute}); ok || !strings.Contains(why, "node hour") {
		t.Errorf("PlanAutoML(30m) = %v, %q; want no, for the node-hour minimum", ok, why)
	}
	if ok, _ := tr.PlanAutoML(pipeline.AutoMLPlan{Task: "binary", Rows: 100, Budget: 2 * time.Hour}); !ok {
		t.Error("PlanAutoML(2h) = false, want true")
	}
	ctx := context.Background()
	f := twoBlobs(t)
	job := pipeline.AutoMLJob{ProjectID: "p1", Frame: f, Target: "y", Task: "binary", Drop: []string{"z"}, Metric: "auc", Budget: 90 * time.Minute, Attempt: 1}
	a.fail = []error{errors.New("Internal error: the training data has too few rows for class yes")}
	if _, err := tr.TrainAutoML(ctx, job); err == nil || !strings.Contains(err.Error(), "too few rows") {
		t.Fatalf("TrainAutoML with a failing pipeline = %v", err)
	}
	job.Attempt = 2
	ep, err := tr.TrainAutoML(ctx, job)
	if err != nil {
		t.Fatalf("TrainAutoML = %v", err)
	}
	first := a.runs[0].GetTrainingTaskInputs().GetStructValue().AsMap()
	second := a.runs[1].GetTrainingTaskInputs().GetStructValue().AsMap()
	if first["optimizationObjective"] != "maximize-au-roc" || first["trainBudgetMilliNodeHours"] != 1500.0 || len(first["transformations"].([]any)) != 2 {
		t.Errorf("attempt 1 inputs = %v, want the AUC objective, 1500 milli node hours, columns x and cat", first)
	}
	if _, ok := second["optimizationObjective"]; ok {
		t.Errorf("attempt 2 inputs = %v, want AutoML's default objective", second)
	}
	eps := srv.Endpoints()
	if len(eps) != 1 || eps[0].GetName() != ep.EndpointID || srv.Model(ep.ExternalID).GetTrainingPipeline() != a.runs[1].GetName() {
		t.Fatalf("endpoints = %v, want the AutoML model deployed", eps)
	}
	rows := []map[string]any{{"x": 1.0, "z": 0.3, "cat": "a"}, {"x": 8.5, "z": nil, "cat": "c"}}
	preds, err := tr.PredictEndpoint(ctx, ep, rows)
	if err != nil {
		t.Fatalf("PredictEndpoint = %v", err)
	}
	if len(preds) != 2 || preds[0].Probabilities["no"] <= preds[0].Probabilities["yes"] || preds[1].Probabilities["yes"] <= preds[1].Probabilities["no"] {
		t.Errorf("predictions = %+v, want x=1 → no and x=8.5 → yes", preds)
	}
	if err := tr.RemoveEndpoint(ctx, ep.EndpointID, ep.ExternalID); err != nil {
		t.Fatal(err)
	}
	if len(srv.Endpoints()) != 0 || srv.Model(ep.ExternalID) != nil {
		t.Error("the AutoML endpoint or model survived RemoveEndpoint")
	}
	if _, err := vertextrainer.DecodeAutoML(map[string]any{"classes": []any{"a"}, "scores": []any{}}); err == nil {
		t.Error("DecodeAutoML with fewer scores than classes = nil error")
	}
}

func TestVertexAutoMLChallengerInThePipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline")
	}
	ctx := context.Background()
	dir := t.TempDir()
	tr, srv := newTrainer(t, dir)
	run := container(nil)
	a := newAutoML(t, tr, srv)
	a.fail = []error{errors.New("quota exceeded for aiplatform.googleapis.com/custom_model_training_cpus")}
	srv.RunJob = run
	ctrs := &containers{t: t, ctx: ctx, urls: map[string]string{}}
	srv.Serve = func(m *aiplatformpb.Model, in []*structpb.Value) ([]*structpb.Value, error) {
		if m.GetTrainingPipeline() != "" {
			return a.serve(m, in)
		}
		return ctrs.serve(m, in)
	}
	tr.AutoML, tr.AutoMLMinBudget = true, time.Second

	e := startPipeline(t, ctx, dir, tr)
	p := completedProject(t, ctx, e, irisPath(t), "predict the species of the flower", 2, 90*time.Second)
	m := projectModel(t, ctx, e, p)
	entries := auditEntries(t, ctx, e, p)
	var retried, automlWon, engineWon bool
	for _, en := range entries {
		retried = retried || strings.HasPrefix(en.Decision, "retry AutoML training (attempt 2 of 3)")
		automlWon = automlWon || strings.HasPrefix(en.Decision, "serve the AutoML tabular model on "+m.EndpointID)
		engineWon = engineWon || strings.HasPrefix(en.Decision, "serve the engine's model: it scored")
	}
	if !retried || automlWon == engineWon {
		t.Fatalf("decisions: retry %v, AutoML served %v, engine served %v; want a retry and one verdict", retried, automlWon, engineWon)
	}
	eps := srv.Endpoints()
	if m.State != store.ModelDeployed || len(eps) != 1 || eps[0].GetName() != m.EndpointID {
		t.Fatalf("model %s on %q, fake endpoints %d; want DEPLOYED on the one endpoint left", m.State, m.EndpointID, len(eps))
	}
	vm := srv.Model(m.ExternalID)
	if automlWon != (vm.GetTrainingPipeline() != "") {
		t.Errorf("served Vertex model %s from pipeline %q, but the AutoML verdict was %v", vm.GetName(), vm.GetTrainingPipeline(), automlWon)
	}
	t.Logf("AutoML challenger won: %v", automlWon)

	// The API's serving registry answers through the served endpoint, whichever model won.
	lm := loadServed(t, ctx, e, tr, m)
	row, _, err := lm.Row(serving.MapFields{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var pr model.Prediction
	before := srv.Calls("Predict")
	if err := lm.Predict(ctx, row, &pr); err != nil || srv.Calls("Predict") != before+1 {
		t.Fatalf("PredictMap through %s = %v (%d endpoint calls)", m.EndpointID, err, srv.Calls("Predict")-before)
	}
	if !strings.Contains(strings.ToLower(pr.Label), "setosa") {
		t.Errorf("label of a textbook setosa = %q", pr.Label)
	}
}
