package pipeline

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
)

// imageIteration is the one training iteration of the image track.
const imageIteration = 1

// pick returns the elements of xs at rows: the examples of some images, or the upload's rows
// of the training images a trainer indexes.
func pick[T any](xs []T, rows []int) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = xs[r]
	}
	return out
}

// imageTrainStage is TRAINING for images: the pixel baseline and the network under the
// budget, on the training images; the better on their held-out tenth is kept.
func (p *Pipeline) imageTrainStage(ctx context.Context, r *run) (*outcome, error) {
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	budget := time.Duration(r.proj.BudgetSeconds) * time.Second
	if budget <= 0 {
		budget = p.opts.MinBudget
	}
	// The owner may approve the plan with the pixel baseline alone.
	fams := []string{familyPixels, familyCNN}
	var plan trainyardv1.TrainingPlan
	if fromProtoJSON(r.proj.Plan, &plan) == nil && len(plan.GetModelFamilies()) > 0 && !slices.Contains(plan.GetModelFamilies(), familyCNN) {
		fams = []string{familyPixels}
	}
	start := time.Now()
	r.progress(0.02, budget.Seconds(), fmt.Sprintf("training on %d images for %s", len(ds.Train), budget), true)
	// Keep a twentieth of the budget for saving the model.
	c, err := image.FitClassifier(ctx, pick(ex, ds.Train), image.ClassifierParams{Budget: budget - budget/20, Seed: p.opts.Seed, SkipNet: len(fams) == 1})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, userErrorf([]string{"Check that every file in the archive is a readable PNG, JPEG, GIF or WebP image"}, "training on the images failed: %v", err)
	}
	seconds := time.Since(start).Seconds()
	st := trainState{
		Iteration: imageIteration, Metric: "accuracy", HigherIsBetter: true, Validation: "a 10% holdout of the training images",
		Config:  trainConfig{Families: fams, BudgetSeconds: budget.Seconds(), Metric: "accuracy", Seed: p.opts.Seed},
		Members: []string{c.Learner}, Seconds: seconds, Attempts: 1, Classes: c.Classes, Width: len(c.Classes),
	}
	for i, cand := range c.Candidates {
		note := ""
		if cand.Epochs > 0 {
			note = fmt.Sprintf("%d epochs", cand.Epochs)
		}
		st.Trials = append(st.Trials, trialSummary{Number: i + 1, Learner: cand.Learner, Score: cand.ValidationAccuracy, Seconds: cand.Duration.Seconds(), Status: "ok", Note: note})
		if cand.Learner == c.Learner {
			st.Score, st.Best = cand.ValidationAccuracy, i+1
		}
	}
	st.Finished = len(st.Trials)
	art, err := model.NewImage(c, model.Training{
		CreatedAt: time.Now().UTC(), Rows: len(ds.Train), Columns: 1, Seed: p.opts.Seed, Trials: st.Finished,
		Metric: "accuracy", Validation: st.Validation, Seconds: seconds,
		Notes: []string{fmt.Sprintf("images scaled to %dx%d, %d channel(s); kept %s", c.Shape.Width, c.Shape.Height, c.Shape.Channels, c.Learner)},
	})
	if err != nil {
		return nil, err
	}
	art.Target = ds.Target
	if err := p.putArtifact(ctx, stateKey(r.proj.ID, trainModelKey(imageIteration)), art); err != nil {
		return nil, err
	}
	rec := imageTrainState{trainState: st, HeldOut: pick(ds.Train, c.HeldOut)}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, trainKey(imageIteration)), &rec); err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageEvaluation}
	out.decide(p.imageLearnerChoice(&st, len(ds.Train), len(c.HeldOut), budget, map[string]any{"shape": c.Shape, "train_images": len(ds.Train), "seconds": seconds}))
	out.message = fmt.Sprintf("trained %s: validation accuracy %.4f", c.Learner, st.Score)
	out.logs = append(out.logs, out.message)
	return out, nil
}

// imageLearnerChoice records which image learner st kept among the ones trained on train images:
// the kept one first, with its lead in accuracy on the heldOut images FitClassifier held out
// (about a tenth, at least one per class) as the confidence.
func (p *Pipeline) imageLearnerChoice(st *trainState, train, heldOut int, budget time.Duration, evidence map[string]any) decision.Decision {
	var alts []decision.Alternative
	for _, t := range st.Trials {
		a := alt(t.Learner, t.Score, fmt.Sprintf("validation accuracy %.4f in %.1fs", t.Score, t.Seconds))
		if t.Number == st.Best {
			alts = append([]decision.Alternative{a}, alts...)
		} else {
			alts = append(alts, a)
		}
	}
	return p.measured(typeModelChoice, fmt.Sprintf("keep %s (validation accuracy %.4f)", st.Members[0], st.Score),
		fmt.Sprintf("Both learners trained on 90%% of the %d training images within the %s budget; the one with the higher accuracy on the other 10%% is kept (the baseline wins ties).", train, budget),
		st.metric(), heldOut, alts, evidence)
}

// imageEvaluateStage is EVALUATION for images: the model's probabilities are calibrated on the
// training images the trainer held out (imageCalibration), then the kept model is scored once
// on the held-out test images, as it predicts them.
func (p *Pipeline) imageEvaluateStage(ctx context.Context, r *run) (*outcome, error) {
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	var st imageTrainState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(imageIteration)), &st); err != nil {
		return nil, err
	}
	art, err := p.getArtifact(ctx, stateKey(r.proj.ID, trainModelKey(imageIteration)))
	if err != nil {
		return nil, err
	}
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageDeployment}
	cal, err := p.imageCalibration(ctx, r, art, &st, ex, out)
	if err != nil {
		return nil, err
	}
	test, err := imageScores(ctx, ds.Task, art.Image, pick(ex, ds.Test))
	if err != nil {
		return nil, fmt.Errorf("predict test images: %w", err)
	}
	if cal != nil {
		test = test.calibrated(cal)
	}
	fin, err := imageTestEval(ds.Task, test.y, test.probaRows())
	if err != nil {
		return nil, fmt.Errorf("test metrics: %w", err)
	}
	ev := &evalState{Iterations: []iterationResult{{Iteration: imageIteration, Score: st.Score, Calibration: cal}}, Final: fin}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, evalKey), ev); err != nil {
		return nil, err
	}
	out.decide(p.ruled(typeIteration, "stop after one iteration and test the kept model",
		"The image search trains both learners in one budget; the kept model is scored once on the held-out test images.",
		[]decision.Alternative{alt("stop", 0.8, "the budget was spent on the best learner"), alt("another iteration", 0.2, "a longer budget could add epochs")},
		map[string]any{"validation_accuracy": st.Score, "test": fin.Values}))
	out.message = "test images: " + metricLine(fin.Values)
	out.logs = append(out.logs, out.message)
	return out, nil
}

// imageCalibration fits a calibration of image model art on the training images its trainer
// held out (st.HeldOut, checked by imageValidation): a temperature scaling of a multiclass
// model, the Platt scaling of a binary one, each kept only when it helps beyond the noise
// (heldOutCalibration). It records the decision in out and saves art with the calibration it
// keeps (or without one), so that DEPLOYMENT deploys it as evaluated, and returns that
// calibration, nil when none. A model whose held-out images were not recorded, or are not
// the ones it was chosen on, is left uncalibrated, with a log line.
func (p *Pipeline) imageCalibration(ctx context.Context, r *run, art *model.Artifact, st *imageTrainState, ex []image.Example, out *outcome) (*model.Calibration, error) {
	if len(st.HeldOut) == 0 {
		out.logs = append(out.logs, "probabilities left uncalibrated: the training record does not say which images the trainer held out")
		return nil, nil
	}
	val, err := imageValidation(ctx, art.Task, art.Image, pick(ex, st.HeldOut), st.Score)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.logs = append(out.logs, "probabilities left uncalibrated: "+err.Error())
		return nil, nil
	}
	const from = "training images held out to choose the learner"
	var cal *model.Calibration
	var d *decision.Decision
	if art.Task == model.Binary {
		cal, d = p.checkedPlattCalibration(ctx, val, from, imageIteration)
	} else {
		cal, d = p.temperatureCalibration(val, from, imageIteration)
	}
	if d != nil {
		out.decide(*d)
	}
	if sameCalibration(art.Calibration, cal) {
		return cal, nil
	}
	art.Calibration = cal
	if err := p.putArtifact(ctx, stateKey(r.proj.ID, trainModelKey(imageIteration)), art); err != nil {
		return nil, err
	}
	return cal, nil
}

// imageDeployStage is DEPLOYMENT for images: the evaluated model itself is deployed (a refit
// on every image would spend the budget again for a small gain), after a check that the saved
// model loads and classifies a test image.
func (p *Pipeline) imageDeployStage(ctx context.Context, r *run) (*outcome, error) {
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	var st trainState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(imageIteration)), &st); err != nil {
		return nil, err
	}
	var ev evalState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, evalKey), &ev); err != nil {
		return nil, err
	}
	if ev.Final == nil {
		return nil, fmt.Errorf("deployment without a final evaluation")
	}
	art, err := p.getArtifact(ctx, stateKey(r.proj.ID, trainModelKey(imageIteration)))
	if err != nil {
		return nil, err
	}
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	sample := ex[ds.Test[0]]
	art.Metrics = ev.Final.Values
	key := stateKey(r.proj.ID, modelKey)
	state := store.ModelDeployed
	checkErr := p.saveAndCheckImage(ctx, key, art, sample.Data)
	out := &outcome{next: store.StageCompleted}
	onnx := p.saveONNX(ctx, r, art, out)
	evd := map[string]any{"train_images": len(ds.Train), "test_images": ev.Final.TestRows, "learner": st.Members, "artifact": key, "onnx": onnx != ""}
	if checkErr != nil {
		if _, err := p.getBytes(ctx, key); err != nil {
			return nil, fmt.Errorf("save model: %w", checkErr)
		}
		state = store.ModelReady
		evd["error"] = checkErr.Error()
		out.decide(p.ruled(typeDeployment, "offer the model for download only: serving it failed",
			fmt.Sprintf("The saved model could not be loaded and asked for a prediction (%v); it stays downloadable.", checkErr),
			[]decision.Alternative{alt("download only", 0.7, "the artifact is saved"), alt("fail the project", 0.2, "the model exists")}, evd))
	} else {
		out.decide(p.ruled(typeDeployment, fmt.Sprintf("deploy the evaluated %s trained on %d images", st.Members[0], len(ds.Train)),
			"The deployed model is exactly the one measured on the test images; refitting on every image would spend the training budget again for a small gain. The saved model was loaded back and classified a test image.",
			[]decision.Alternative{alt("deploy the evaluated model", 0.8, "its metrics are exactly the reported ones"), alt("refit on all images", 0.4, "more data, another full budget")}, evd))
	}
	var endpoint *Endpoint // a Vertex AI AutoML image challenger that beat the engine's model
	if checkErr == nil {
		if endpoint, err = p.imageChallenger(ctx, r, ex, &ds, &st, ev.Final, out); err != nil {
			r.logf("AutoML image challenger: " + err.Error())
		}
	}
	spec := &trainyardv1.FeatureSpec{Name: model.ImageInput, Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}
	if len(sample.Data) <= 16<<10 {
		spec.Example = base64.StdEncoding.EncodeToString(sample.Data)
	}
	specs := []*trainyardv1.FeatureSpec{spec}
	schema := &trainyardv1.Model{
		DisplayName: r.proj.DisplayName, Features: specs, Classes: art.Classes,
		TargetColumn: ds.Target, ProblemType: problemTypeProto(art.Task),
	}
	out.setModel(store.NewModel{
		ProjectID: r.proj.ID, Learner: st.Members[0], ArtifactKey: key, ONNXKey: onnx,
		Metrics:       protoJSON(metricsProto(ev.Final, &st, art)),
		Report:        protoJSON(reportProto(an, &ds, &st, ev.Final, &ev, nil)),
		FeatureSchema: protoJSON(schema),
		State:         state,
	}, specs, endpoint)
	return out, nil
}

// saveAndCheckImage saves an image artifact and checks that the saved bytes load and classify
// the sample image.
func (p *Pipeline) saveAndCheckImage(ctx context.Context, key string, art *model.Artifact, sample []byte) error {
	if err := p.putArtifact(ctx, key, art); err != nil {
		return err
	}
	back, err := p.getArtifact(ctx, key)
	if err != nil {
		return fmt.Errorf("load saved model: %w", err)
	}
	var d model.Prediction
	if err := back.PredictImage(sample, &d); err != nil {
		return fmt.Errorf("predict with saved model: %w", err)
	}
	return nil
}

// imageTestEval evaluates an image classifier's class probabilities proba of the held-out test
// images whose classes are y: the summary and the metrics reported for images. The engine's
// model (imageEvaluateStage) and an AutoML challenger (scoreImageEndpoint) both go through it, so
// DEPLOYMENT compares the two on the same measures.
func imageTestEval(task string, y []float64, proba [][]float64) (*finalEval, error) {
	ps := metrics.Predictions{Proba: proba}
	sum, err := metrics.Summarize(task, y, ps)
	if err != nil {
		return nil, err
	}
	fin := &finalEval{Iteration: imageIteration, Positive: 1, Summary: sum, Values: map[string]float64{}, TestRows: len(y), CriteriaMet: true}
	for _, n := range []string{"accuracy", "balanced_accuracy", "f1_macro", "logloss", "auc"} {
		m, err := metrics.Lookup(n)
		if err != nil {
			continue
		}
		if v, err := m.Compute(y, ps); err == nil && v == v {
			fin.Values[n] = v
		}
	}
	return fin, nil
}
