package vertextrainer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/vertex"
	"github.com/trainyard/trainyard/ml/frame"
)

// DefaultAutoMLMinBudget is the smallest project budget that runs an AutoML challenger: AutoML
// tabular bills at least one node hour, so a smaller budget would be overspent.
const DefaultAutoMLMinBudget = time.Hour

// automlBatch is how many instances one online prediction request carries.
const automlBatch = 100

var _ pipeline.AutoMLTrainer = (*Trainer)(nil)

// PlanAutoML decides whether a project trains an AutoML challenger and why: AutoML is on
// (Trainer.AutoML), the budget is at least AutoMLMinBudget (AutoML bills one node hour at
// least for tables, eight for images), and the task is one AutoML learns (Task "image" for an
// image classifier).
func (t *Trainer) PlanAutoML(plan pipeline.AutoMLPlan) (bool, string) {
	minBudget := t.AutoMLMinBudget
	if minBudget <= 0 {
		minBudget = DefaultAutoMLMinBudget
	}
	switch {
	case !t.AutoML:
		return false, "AutoML challengers are off for this installation"
	case plan.Task == "image" && plan.Budget < minBudget:
		return false, fmt.Sprintf("the budget %s is below %s, and AutoML image classification bills at least 8 node hours (%d milli node hours)", plan.Budget, minBudget, vertex.MinImageClassificationBudget)
	case plan.Task == "image":
		return true, imagePlanWhy(plan.Budget)
	case plan.Task != "binary" && plan.Task != "multiclass" && plan.Task != "regression":
		return false, fmt.Sprintf("AutoML tabular does not learn %q tasks", plan.Task)
	case plan.Budget < minBudget:
		return false, fmt.Sprintf("the budget %s is below %s, and AutoML tabular bills at least one node hour (%d milli node hours)", plan.Budget, minBudget, vertex.MinTabularBudget)
	}
	return true, fmt.Sprintf("the budget %s pays for %d milli node hours of AutoML tabular on the same training rows", plan.Budget,
		vertex.MilliNodeHours(plan.Budget, 1, vertex.MinTabularBudget, vertex.MaxTabularBudget))
}

// autoMLObjective maps the pipeline's metric to AutoML tabular's optimization objective ("" is
// AutoML's default for the task).
func autoMLObjective(task, metric string) string {
	switch {
	case task == "binary" && metric == "auc":
		return "maximize-au-roc"
	case task == "binary" && metric == "pr_auc":
		return "maximize-au-prc"
	case task != "regression" && metric == "logloss":
		return "minimize-log-loss"
	case task == "regression" && metric == "mae":
		return "minimize-mae"
	case task == "regression" && metric == "rmse":
		return "minimize-rmse"
	}
	return ""
}

// TrainAutoML exports the job's rows as a CSV next to the custom jobs' exchange files, runs an
// AutoML tabular training pipeline with the budget in node hours, and deploys the model on its
// own endpoint. Attempts adjust the parameters: the first optimizes the pipeline's metric on the
// chosen columns, the second drops the objective for AutoML's default, the third lets AutoML
// also choose the columns. Nothing is left behind on failure.
func (t *Trainer) TrainAutoML(ctx context.Context, job pipeline.AutoMLJob) (*pipeline.Endpoint, error) {
	// One name per project: a challenger a stopped worker left behind is taken down first.
	name := "trainyard-automl-p-" + strings.ReplaceAll(job.ProjectID, "-", "")
	if err := t.Client.RemoveNamed(ctx, name); err != nil {
		return nil, fmt.Errorf("remove an unrecorded earlier challenger: %w", err)
	}
	prefix := JobPrefix + name + "/"
	cols, err := writeCSV(ctx, t, prefix+"train.csv", job)
	if err != nil {
		return nil, fmt.Errorf("export automl rows: %w", err)
	}
	defer t.Blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
	task := vertex.TabularTask{
		DisplayName: name, SourceURI: strings.TrimRight(t.BlobURL, "/") + "/" + prefix + "train.csv", Target: job.Target,
		PredictionType: "classification", Objective: autoMLObjective(job.Task, job.Metric), Columns: cols, Budget: job.Budget,
	}
	if job.Task == "regression" {
		task.PredictionType = "regression"
	}
	if job.Attempt >= 2 {
		task.Objective = ""
	}
	if job.Attempt >= 3 {
		task.Columns = nil
	}
	m, err := t.Client.TrainTabular(ctx, task, nil)
	if err != nil {
		return nil, fmt.Errorf("automl tabular %s: %w", name, err)
	}
	as := t.autoscaling()
	dep, err := t.Client.Deploy(ctx, m.GetName(), name, as)
	if err != nil {
		return nil, errors.Join(err, t.Client.DeleteModel(context.WithoutCancel(ctx), m.GetName()))
	}
	return &pipeline.Endpoint{EndpointID: dep.Endpoint, ExternalID: m.GetName(), Backend: "vertex AutoML tabular",
		MachineType: as.MachineType, MinReplicas: as.MinReplicas, MaxReplicas: as.MaxReplicas}, nil
}

// writeCSV writes the job's rows (the input columns and the target) as a CSV with a header and
// returns the input columns.
func writeCSV(ctx context.Context, t *Trainer, key string, job pipeline.AutoMLJob) ([]string, error) {
	f := job.Frame
	var cols []string
	for _, n := range f.Names() {
		if n != job.Target && !slices.Contains(job.Drop, n) {
			cols = append(cols, n)
		}
	}
	if len(cols) == 0 {
		return nil, errors.New("no input column")
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := append(slices.Clone(cols), job.Target)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	cs := make([]*frame.Column, len(header))
	for i, n := range header {
		cs[i] = f.Col(n)
	}
	rec := make([]string, len(header))
	target := cs[len(cs)-1]
	for r := range f.NRows() {
		if target.Missing[r] {
			continue
		}
		for i, c := range cs {
			rec[i] = c.Value(r)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	bw, err := t.Blobs.Create(ctx, key, "text/csv")
	if err != nil {
		return nil, err
	}
	if _, err := bw.Write(buf.Bytes()); err != nil {
		bw.Abort()
		return nil, err
	}
	return cols, bw.Close()
}

// PredictEndpoint scores rows (column → value; nil for missing) on an AutoML tabular endpoint,
// automlBatch rows per request. AutoML answers {"classes": [...], "scores": [...]} for a
// classifier and {"value": v} for a regressor.
func (t *Trainer) PredictEndpoint(ctx context.Context, ep *pipeline.Endpoint, rows []map[string]any) ([]pipeline.EndpointPrediction, error) {
	out := make([]pipeline.EndpointPrediction, 0, len(rows))
	for start := 0; start < len(rows); start += automlBatch {
		batch := rows[start:min(len(rows), start+automlBatch)]
		in := make([]any, len(batch))
		for i, r := range batch {
			in[i] = automlInstance(r)
		}
		preds, err := t.Client.Predict(ctx, ep.EndpointID, in)
		if err != nil {
			return nil, err
		}
		for i, p := range preds {
			ep, err := DecodeAutoML(p)
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", start+i, err)
			}
			out = append(out, ep)
		}
	}
	return out, nil
}

// automlInstance writes a row as AutoML tabular reads it: every value a string, missing ones
// empty.
func automlInstance(row map[string]any) map[string]any {
	out := make(map[string]any, len(row))
	for k, v := range row {
		switch x := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = x
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// DecodeAutoML reads one AutoML tabular prediction.
func DecodeAutoML(v any) (pipeline.EndpointPrediction, error) {
	p, ok := v.(map[string]any)
	if !ok {
		return pipeline.EndpointPrediction{}, fmt.Errorf("prediction is %T, want an object", v)
	}
	if val, ok := p["value"].(float64); ok {
		return pipeline.EndpointPrediction{Value: val}, nil
	}
	return classScores(p, "classes", "scores")
}

// classScores reads the class probabilities of a prediction p that lists the class names under
// namesKey and their scores, in the same order, under scoresKey (AutoML's tabular and image
// predictions differ only in these keys).
func classScores(p map[string]any, namesKey, scoresKey string) (pipeline.EndpointPrediction, error) {
	names, _ := p[namesKey].([]any)
	scores, _ := p[scoresKey].([]any)
	if len(names) == 0 || len(names) != len(scores) {
		return pipeline.EndpointPrediction{}, fmt.Errorf("prediction has %d %s and %d %s", len(names), namesKey, len(scores), scoresKey)
	}
	out := pipeline.EndpointPrediction{Probabilities: make(map[string]float64, len(names))}
	for i, n := range names {
		name, ok1 := n.(string)
		s, ok2 := scores[i].(float64)
		if !ok1 || !ok2 {
			return pipeline.EndpointPrediction{}, fmt.Errorf("class %d is %v with %s %v", i, n, scoresKey, scores[i])
		}
		out.Probabilities[name] = s
	}
	return out, nil
}
