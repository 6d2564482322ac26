package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// Deployment keys and retries.
const (
	modelKey          = "model/model.json.gz"
	onnxKey           = "model/model.onnx"
	deployAttempts    = 3
	servingCheckRows  = 5
	refitAttemptLimit = 2
)

// modelOutput is the model a DEPLOYMENT commit creates.
type modelOutput struct {
	in    store.NewModel
	specs []*trainyardv1.FeatureSpec
}

// createModel creates the model row in the commit transaction, with code examples that name it.
func (p *Pipeline) createModel(ctx context.Context, tx *store.Tx, r *run, mo *modelOutput) (*ent.Model, error) {
	in := mo.in
	if in.ExpiresAt == nil && p.opts.ModelRetention > 0 {
		exp := p.now().Add(p.opts.ModelRetention).UTC()
		in.ExpiresAt = &exp
	}
	m, err := tx.CreateModel(ctx, in)
	if err != nil {
		return nil, err
	}
	return tx.UpdateModel(ctx, m.ID, store.ModelChanges{CodeExamples: protoJSON(codeExamples(p.opts.PublicURL, m.ID.String(), mo.specs))})
}

// deployInputs is what DEPLOYMENT loads once for the project and hands to its steps: the
// analysis, the split, the training state of the evaluated iteration and the project's frame.
type deployInputs struct {
	an *analyze.Analysis
	ds *dataState
	st *trainState
	f  *frame.Frame
}

// deployStage is DEPLOYMENT: the TrainingManager refits the chosen configuration on every
// labeled row (the reported metrics stay those of the held-out test rows), saves the native
// artifact and its ONNX export, checks that the saved model loads and predicts, and records
// the model. A model that cannot be served is still offered for download.
func (p *Pipeline) deployStage(ctx context.Context, r *run) (*outcome, error) {
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	var ev evalState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, evalKey), &ev); err != nil {
		return nil, err
	}
	if ev.Final == nil {
		return nil, errors.New("deployment without a final evaluation")
	}
	fin := ev.Final
	var st trainState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(fin.Iteration)), &st); err != nil {
		return nil, err
	}
	f, err := p.loadFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageCompleted}

	// Refit on every labeled row the exact configurations of the evaluated blend.
	evaluated, err := p.getArtifact(ctx, stateKey(r.proj.ID, trainModelKey(fin.Iteration)))
	if err != nil {
		return nil, err
	}
	var members []RefitMember
	for _, m := range evaluated.Members {
		members = append(members, RefitMember{Candidate: automl.Candidate{Learner: m.Learner, Params: refitParams(m)}, Weight: m.Weight})
	}
	all := append(append([]int{}, ds.Train...), ds.Test...)
	slices.Sort(all)
	r.progress(0.05, -1, fmt.Sprintf("refitting the chosen blend (%d models) on all %d labeled rows", len(members), len(all)), true)
	var art *model.Artifact
	var refitErr error
	// The refit is a few single fits; it gets the training budget as its limit.
	refitCtx, cancelRefit := context.WithTimeout(ctx, time.Duration(max(60, 2*st.Config.BudgetSeconds)*float64(time.Second)))
	defer cancelRefit()
	for attempt := 1; attempt <= refitAttemptLimit; attempt++ {
		var res *TrainResult
		res, refitErr = p.trainer.Train(refitCtx, TrainJob{
			Frame: f.Take(all), Target: ds.Target, Task: ds.Task, Drop: ds.dropNames(), Metric: st.Config.Metric,
			Families: st.Config.Families, Seed: st.Config.Seed, BalanceClasses: st.Config.Balance,
			TimeColumn: ds.TimeColumn, Refit: members, Profile: p.profiles.get(r.proj.DatasetID, ds.Target),
		})
		if refitErr == nil {
			art = res.Artifact
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if refitCtx.Err() != nil {
			break
		}
	}
	refitRows := len(all)
	if art == nil {
		art = evaluated
		refitRows = len(ds.Train)
		out.decide(p.ruled(typeRecovery, "deploy the model trained on the training rows: the refit on all rows failed",
			fmt.Sprintf("Refitting on all %d labeled rows failed twice (%v); the model evaluated on the test rows is deployed instead.", len(all), refitErr),
			[]decision.Alternative{alt("deploy the evaluated model", 0.8, "its metrics are exactly the reported ones"), alt("fail the project", 0.1, "a good model exists")},
			map[string]any{"error": refitErr.Error()}))
	}
	r.progress(0.7, 2, "saving the model", true)
	if len(art.Importance) == 0 {
		art.Importance = evaluated.Importance // measured on the evaluated blend, same configuration
	}
	art.Metrics = fin.Values
	// The evaluated model's probability calibration carries over to the refit of the same
	// configuration, as its threshold does; the threshold applies to calibrated probabilities.
	if slices.Equal(art.Classes, evaluated.Classes) {
		art.Calibration = evaluated.Calibration
	}
	// The served model labels rows by the threshold the evaluation chose and measured.
	if fin.HasThresh && fin.Positive < len(evaluated.Classes) {
		if thr, ok := servedThreshold(art.Classes, evaluated.Classes[fin.Positive], fin.Threshold); ok {
			art.Threshold = thr
		}
	}
	if fin.HasThresh && fin.Positive < len(art.Classes) {
		art.Training.Notes = append(art.Training.Notes, fmt.Sprintf("decision threshold: predict %s when its probability is at least %.4f (chosen on validation)", art.Classes[fin.Positive], fin.Threshold))
	}

	state := store.ModelDeployed
	key := stateKey(r.proj.ID, modelKey)
	var deployErr error
	for attempt := 1; attempt <= deployAttempts; attempt++ {
		if deployErr = p.saveAndCheck(ctx, key, art, f.Take(ds.Test[:min(len(ds.Test), servingCheckRows)])); deployErr == nil {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.logf(fmt.Sprintf("deployment attempt %d failed: %v", attempt, deployErr))
		time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
	}
	var endpoint *Endpoint // a trainer that serves models (Vertex AI) deploys on its endpoint
	if deployErr == nil {
		endpoint, deployErr = p.deployEndpoint(ctx, r, key, &deployInputs{an: an, ds: &ds, st: &st, f: f}, fin, out)
	}
	onnx := p.saveONNX(ctx, r, art, out)
	ev2 := map[string]any{"refit_rows": refitRows, "test_rows": fin.TestRows, "members": st.Members, "artifact": key, "onnx": onnx != ""}
	if deployErr != nil {
		if _, err := p.getBytes(ctx, key); err != nil {
			return nil, fmt.Errorf("save model: %w", deployErr)
		}
		state = store.ModelReady
		ev2["error"] = deployErr.Error()
		out.decide(p.ruled(typeDeployment, "offer the model for download only: serving it failed",
			fmt.Sprintf("The saved model could not be loaded for serving after %d attempts (%v); it stays downloadable.", deployAttempts, deployErr),
			[]decision.Alternative{alt("download only", 0.7, "the artifact is saved"), alt("fail the project", 0.2, "the model exists")}, ev2))
	} else {
		out.decide(p.ruled(typeDeployment, fmt.Sprintf("deploy the model refit on all %d labeled rows", refitRows),
			fmt.Sprintf("The chosen configuration was refit on every labeled row (%d) so the deployed model learns from all the data; the reported metrics stay those measured on the %d held-out test rows before the refit. The saved model was loaded back and predicted %d rows.", refitRows, fin.TestRows, servingCheckRows),
			[]decision.Alternative{alt("deploy the refit model", 0.8, "more data, same procedure"), alt("deploy the evaluated model", 0.6, "exactly the measured model, trained on less data")}, ev2))
	}

	specs := featureSpecs(art, f)
	// The feature schema is the part of the API's Model that the artifact defines; the
	// server fills the rest.
	schema := &trainyardv1.Model{
		DisplayName: r.proj.DisplayName, Features: specs, Classes: art.Classes,
		TargetColumn: art.Target, ProblemType: problemTypeProto(art.Task),
	}
	learner := "ensemble"
	if len(art.Members) == 1 {
		learner = art.Members[0].Learner
	}
	out.setModel(store.NewModel{
		ProjectID: r.proj.ID, Learner: learner, ArtifactKey: key, ONNXKey: onnx,
		Metrics:       protoJSON(metricsProto(fin, &st, art)),
		Report:        protoJSON(reportProto(an, &ds, &st, fin, &ev, nil)),
		FeatureSchema: protoJSON(schema),
		State:         state,
	}, specs, endpoint)
	return out, nil
}

// setModel sets the model the commit creates, served by endpoint when a Vertex AI challenger
// won (nil otherwise), and the stage message that says whether the model is deployed or only
// ready for download.
func (out *outcome) setModel(in store.NewModel, specs []*trainyardv1.FeatureSpec, endpoint *Endpoint) {
	if endpoint != nil {
		in.EndpointID, in.ExternalID = endpoint.EndpointID, endpoint.ExternalID
	}
	out.model = &modelOutput{specs: specs, in: in}
	out.message = "model deployed"
	if in.State != store.ModelDeployed {
		out.message = "model ready for download"
	}
}

// saveONNX saves the ONNX export of art beside the model and returns its key, or "" with a
// log line that says why there is none.
func (p *Pipeline) saveONNX(ctx context.Context, r *run, art *model.Artifact, out *outcome) string {
	b, err := art.ONNX(model.ONNXOptions{})
	if err != nil {
		out.logs = append(out.logs, "no ONNX export: "+err.Error())
		return ""
	}
	key := stateKey(r.proj.ID, onnxKey)
	if err := p.putBytes(ctx, key, "application/octet-stream", b); err != nil {
		out.logs = append(out.logs, "ONNX export not saved: "+err.Error())
		return ""
	}
	return key
}

// saveAndCheck saves the artifact and checks that the saved bytes load and predict.
func (p *Pipeline) saveAndCheck(ctx context.Context, key string, art *model.Artifact, sample *frame.Frame) error {
	if err := p.putArtifact(ctx, key, art); err != nil {
		return err
	}
	back, err := p.getArtifact(ctx, key)
	if err != nil {
		return fmt.Errorf("load saved model: %w", err)
	}
	pred, err := model.NewPredictor(back)
	if err != nil {
		return fmt.Errorf("compile saved model: %w", err)
	}
	b, err := pred.PredictFrame(ctx, sample)
	if err != nil {
		return fmt.Errorf("predict with saved model: %w", err)
	}
	if len(b.Errors) > 0 {
		return fmt.Errorf("predict with saved model: %w", b.Errors[0])
	}
	return nil
}

// refitParams returns a member's parameters for a fit on all rows: a boosted model keeps the
// number of rounds it reached with early stopping, 10% more for the larger data, and fits
// without early stopping (there is no validation set left).
func refitParams(m model.Member) map[string]string {
	p := make(map[string]string, len(m.Params)+1)
	for k, v := range m.Params {
		if k != "early_stopping_round" && k != "early_stopping_rounds" {
			p[k] = v
		}
	}
	if m.Trees != nil && m.Learner == model.GBDT {
		per := max(1, m.Trees.TreesPerIteration)
		p["num_iterations"] = strconv.Itoa(max(1, int(math.Round(float64(len(m.Trees.Trees)/per)*1.1))))
	} else if m.Trees != nil {
		p["num_iterations"] = strconv.Itoa(max(1, len(m.Trees.Trees)/max(1, m.Trees.TreesPerIteration)))
	}
	return p
}
