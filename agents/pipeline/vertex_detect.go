package pipeline

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
)

// detectMetric is the metric of object detection: mean average precision over the labels.
const detectMetric = "mean_average_precision"

// detectKey names the stored state of an object detection training.
const detectKey = "detect.json"

// detectState is what TRAINING of an object detector leaves for DEPLOYMENT.
type detectState struct {
	Endpoint  Endpoint           `json:"endpoint"`
	Metrics   map[string]float64 `json:"metrics"`
	Images    int                `json:"images"`
	Boxes     int                `json:"boxes"`
	Labels    []string           `json:"labels"`
	Budget    float64            `json:"budget_seconds"`
	Attempts  int                `json:"attempts"`
	Seconds   float64            `json:"seconds"`
	Evaluated bool               `json:"evaluated"`
}

// vertexDetectMetrics maps the names Vertex's object detection evaluation gives its metrics to
// ours.
func vertexDetectMetrics(in map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range in {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		switch k {
		case "boundingBoxMeanAveragePrecision":
			out[detectMetric] = v
		case "evaluatedBoundingBoxCount":
			out["evaluated_boxes"] = v
		default:
			out[k] = v
		}
	}
	return out
}

// detectTrainStage is TRAINING for object detection: the backend trains an AutoML image
// object detector on the boxed images under the project's budget and deploys it; a failed
// training is retried with a larger budget, three attempts in all.
func (p *Pipeline) detectTrainStage(ctx context.Context, r *run) (*outcome, error) {
	dt, ok := p.trainer.(DetectionTrainer)
	if !ok {
		return nil, userErrorf([]string{"Run the worker with --trainer-url vertex://projects/P/locations/L"},
			"object detection needs the Vertex AI backend (--trainer-url vertex://projects/P/locations/L); the %s trainer only classifies whole images", p.trainer.Name())
	}
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	st := detectState{Labels: []string{}}
	seen := map[string]bool{}
	for _, e := range ex {
		if len(e.Boxes) > 0 {
			st.Images++
		}
		for _, b := range e.Boxes {
			st.Boxes++
			if !seen[b.Label] {
				seen[b.Label] = true
				st.Labels = append(st.Labels, b.Label)
			}
		}
	}
	budget := time.Duration(r.proj.BudgetSeconds) * time.Second
	note := "set by the owner"
	if budget <= 0 {
		budget, note = p.opts.MinBudget, "the minimum budget"
	}
	st.Budget = budget.Seconds()
	out := &outcome{next: store.StageDeployment}
	out.decide(p.ruled(typeBudget, fmt.Sprintf("train an AutoML image object detector on %s with a budget of %s (%s)", p.trainer.Name(), budget, note),
		"The backend converts the budget to node hours; AutoML object detection bills at least its minimum of node hours whatever the budget.",
		[]decision.Alternative{alt("budget "+budget.String(), 0.8, note)}, map[string]any{"budget_seconds": budget.Seconds(), "images": st.Images, "boxes": st.Boxes}))
	r.progress(0.05, budget.Seconds(), fmt.Sprintf("training an AutoML object detector on %d images with %d boxes", st.Images, st.Boxes), true)
	start := time.Now()
	var ep *Endpoint
	var metrics map[string]float64
	attempts, err := p.tryAutoML(ctx, r, out, "AutoML object detection", func(attempt int) (err error) {
		st.Attempts = attempt
		ep, metrics, err = dt.TrainDetector(ctx, DetectionJob{ProjectID: r.proj.ID.String(), Images: ex, Budget: budget, Attempt: attempt})
		return err
	}, func(attempt int, err error) decision.Decision {
		return p.ruled(typeRecovery, fmt.Sprintf("retry AutoML object detection (attempt %d of %d): half as much budget again", attempt+1, automlAttempts),
			fmt.Sprintf("Attempt %d failed: %v. Retrying with a larger node-hour budget.", attempt, err),
			[]decision.Alternative{alt("retry with a larger budget", 0.7, "AutoML may have run out of node hours"), alt("fail the project", 0.3, "the data may be at fault")},
			map[string]any{"attempt": attempt, "error": err.Error()})
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.decide(p.ruled(typeRecovery, fmt.Sprintf("fail the project: AutoML object detection failed %d times", attempts),
			fmt.Sprintf("The last training failed: %v. No other backend trains object detectors.", err),
			[]decision.Alternative{alt("fail the project", 0.8, "no detector exists"), alt("retry again", 0.2, "three attempts are the rule")},
			map[string]any{"attempts": attempts, "error": err.Error()}))
		return nil, userErrorf([]string{"Check the boxes CSV (every label needs enough boxes)", "Raise the project's budget"},
			"AutoML object detection failed %d times; the last error: %v", attempts, err)
	}
	st.Endpoint, st.Metrics, st.Evaluated = *ep, vertexDetectMetrics(metrics), len(metrics) > 0
	st.Seconds = time.Since(start).Seconds()
	if err := p.putJSON(ctx, stateKey(r.proj.ID, detectKey), &st); err != nil {
		return nil, fmt.Errorf("%w (endpoint %s not recorded: %v)", err, ep.EndpointID, dt.RemoveEndpoint(context.WithoutCancel(ctx), ep.EndpointID, ep.ExternalID))
	}
	out.decide(p.ruled(typeModelChoice, fmt.Sprintf("keep the AutoML object detector deployed on %s: %s", ep.EndpointID, metricLine(st.Metrics)),
		"AutoML trained on the boxed images, evaluated on the test images it held out itself and reported the metrics; the model is served by its endpoint only (no downloadable artifact).",
		[]decision.Alternative{alt("the AutoML detector", 0.9, "the only detector")}, map[string]any{"endpoint_id": ep.EndpointID, "external_id": ep.ExternalID, "metrics": st.Metrics, "attempts": st.Attempts}))
	out.message = "trained an AutoML object detector: " + metricLine(st.Metrics)
	out.logs = append(out.logs, out.message)
	return out, nil
}

// detectDeployStage is DEPLOYMENT for object detection: the model is recorded with its
// endpoint (the endpoint answers its predictions; there is no artifact) and the metrics the
// backend reported.
func (p *Pipeline) detectDeployStage(ctx context.Context, r *run) (*outcome, error) {
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var st detectState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, detectKey), &st); err != nil {
		return nil, err
	}
	ep := st.Endpoint
	out := &outcome{next: store.StageCompleted, message: "model deployed"}
	out.decide(p.ruled(typeDeployment, fmt.Sprintf("serve the object detector on the %s endpoint %s", ep.Backend, ep.EndpointID),
		fmt.Sprintf("Predictions send the image to the endpoint, which answers labeled boxes with their confidence; it scales on %s from %d to %d replicas. Deleting the model undeploys it.", ep.MachineType, ep.MinReplicas, ep.MaxReplicas),
		[]decision.Alternative{alt("serve on the endpoint", 0.9, "the backend's detector")}, map[string]any{"endpoint_id": ep.EndpointID, "external_id": ep.ExternalID}))
	spec := &trainyardv1.FeatureSpec{Name: model.ImageInput, Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}
	specs := []*trainyardv1.FeatureSpec{spec}
	schema := &trainyardv1.Model{DisplayName: r.proj.DisplayName, Features: specs, Classes: st.Labels, TargetColumn: imageTarget,
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION}
	m := &trainyardv1.Metrics{Values: st.Metrics}
	if v, ok := st.Metrics[detectMetric]; ok {
		m.Primary = &trainyardv1.Metric{Name: detectMetric, Value: v, HigherIsBetter: true,
			Description: "mean average precision of the boxes over the labels, on the test images the backend held out"}
	}
	report := &trainyardv1.ModelReport{
		Summary:         fmt.Sprintf("An AutoML image object detector trained on %d images with %d boxes of %d labels; %s.", st.Images, st.Boxes, len(st.Labels), metricLine(st.Metrics)),
		Analysis:        analysisProto(an),
		Preprocessing:   []string{"images and an import file of their boxes copied to the backend's bucket; images without boxes left out", "the backend splits the images into training, validation and test sets itself"},
		TrainingSeconds: st.Seconds, TrainRows: int64(st.Images),
	}
	if !st.Evaluated {
		report.Warnings = append(report.Warnings, "the backend reported no evaluation metrics for the detector")
	}
	out.model = &modelOutput{specs: specs, in: store.NewModel{
		ProjectID: r.proj.ID, Learner: "automl_image_object_detection",
		Metrics: protoJSON(m), Report: protoJSON(report), FeatureSchema: protoJSON(schema),
		State: store.ModelDeployed, EndpointID: ep.EndpointID, ExternalID: ep.ExternalID,
	}}
	return out, nil
}
