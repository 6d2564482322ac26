package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/image"
)

// ImageAutoMLTrainer is a Trainer whose backend also trains managed AutoML image classifiers
// (Vertex AI AutoML image). DEPLOYMENT of an image project then trains one on the training
// images as a challenger to the engine's model, scores the held-out test images through its
// endpoint and serves the better of the two, as AutoMLTrainer does for tables.
type ImageAutoMLTrainer interface {
	EndpointDeployer
	// PlanAutoML says whether to train a challenger for the plan (Task "image"), and why.
	PlanAutoML(plan AutoMLPlan) (bool, string)
	// TrainAutoMLImage trains on the labeled images and deploys the model on an endpoint; on
	// failure it leaves nothing behind. job.Attempt (1 to 3) adjusts the parameters.
	TrainAutoMLImage(ctx context.Context, job ImageAutoMLJob) (*Endpoint, error)
	// PredictImages classifies encoded images on the endpoint.
	PredictImages(ctx context.Context, ep *Endpoint, images [][]byte) ([]EndpointPrediction, error)
}

// ImageAutoMLJob is one AutoML image training.
type ImageAutoMLJob struct {
	// ProjectID names the project.
	ProjectID string
	// Images are the training images with their labels (never the test images).
	Images []image.Example
	// Budget is the training budget (the backend converts it to node hours).
	Budget time.Duration
	// Attempt is 1 to 3; later attempts adjust the parameters.
	Attempt int
}

// imageChallenger trains and judges an AutoML image challenger when the trainer offers one,
// judged as a tabular challenger is (settleChallenger). It returns the challenger's endpoint
// when it wins on the test images (fin then holds its evaluation) and nil when the engine's
// model stays.
func (p *Pipeline) imageChallenger(ctx context.Context, r *run, ex []image.Example, ds *dataState, st *trainState, fin *finalEval, out *outcome) (*Endpoint, error) {
	at, ok := p.trainer.(ImageAutoMLTrainer)
	if !ok {
		return nil, nil
	}
	budget := time.Duration(st.Config.BudgetSeconds * float64(time.Second))
	run, why := at.PlanAutoML(AutoMLPlan{Task: "image", Rows: len(ds.Train), Budget: budget})
	if !run {
		out.decide(p.ruled(typeModelChoice, "serve the engine's image model without an AutoML challenger: "+why,
			fmt.Sprintf("The %s backend can also train Vertex AI AutoML image classifiers, but not here: %s.", p.trainer.Name(), why),
			[]decision.Alternative{alt("the engine's model", 0.8, "trained and evaluated"), alt("an AutoML image challenger", 0.2, why)},
			map[string]any{"budget_seconds": budget.Seconds()}))
		return nil, nil
	}
	r.progress(0.5, budget.Seconds(), "training an AutoML image challenger on Vertex AI", true)
	var ep *Endpoint
	attempts, err := p.tryAutoML(ctx, r, out, "AutoML image", func(attempt int) (err error) {
		ep, err = at.TrainAutoMLImage(ctx, ImageAutoMLJob{ProjectID: r.proj.ID.String(), Images: pick(ex, ds.Train), Budget: budget, Attempt: attempt})
		return err
	}, func(attempt int, err error) decision.Decision {
		return p.ruled(typeRecovery, fmt.Sprintf("retry AutoML image training (attempt %d of %d): half as much budget again", attempt+1, automlAttempts),
			fmt.Sprintf("Attempt %d failed: %v. Retrying with a larger node-hour budget.", attempt, err),
			[]decision.Alternative{alt("retry with a larger budget", 0.6, "AutoML may have run out of node hours"), alt("serve the engine's model", 0.4, "it is ready")},
			map[string]any{"attempt": attempt, "error": err.Error()})
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.decide(p.ruled(typeRecovery, fmt.Sprintf("serve the engine's image model: the AutoML challenger failed %d times", attempts),
			fmt.Sprintf("The last AutoML image training failed: %v. The engine's model is evaluated and ready, so it is served.", err),
			[]decision.Alternative{alt("serve the engine's model", 0.8, "trained and evaluated"), alt("fail the project", 0.1, "a good model exists")},
			map[string]any{"attempts": attempts, "error": err.Error()}))
		return nil, nil
	}
	challenger, err := scoreImageEndpoint(ctx, at, ep, pick(ex, ds.Test), ds.Task, st.Classes)
	if err != nil {
		out.decide(p.ruled(typeRecovery, "serve the engine's image model: the AutoML challenger could not be scored",
			fmt.Sprintf("Classifying the held-out test images through the AutoML endpoint failed: %v.", err),
			[]decision.Alternative{alt("serve the engine's model", 0.8, "trained and evaluated")}, map[string]any{"error": err.Error()}))
		return nil, at.RemoveEndpoint(context.WithoutCancel(ctx), ep.EndpointID, ep.ExternalID)
	}
	challenger.Iteration = fin.Iteration
	return p.settleChallenger(ctx, at, imageChallengerKind(), st.Metric, fin, challenger, ep, out)
}

// scoreImageEndpoint evaluates an endpoint's image classifier on the held-out test images as
// imageEvaluateStage evaluates the engine's model (imageTestEval, over the engine's classes).
func scoreImageEndpoint(ctx context.Context, at ImageAutoMLTrainer, ep *Endpoint, test []image.Example, task string, classes []string) (*finalEval, error) {
	data := make([][]byte, len(test))
	for i, e := range test {
		data[i] = e.Data
	}
	preds, err := at.PredictImages(ctx, ep, data)
	if err != nil {
		return nil, err
	}
	if len(preds) != len(test) {
		return nil, fmt.Errorf("%d predictions for %d images", len(preds), len(test))
	}
	var y []float64
	var proba [][]float64
	for i, e := range test {
		k := slices.Index(classes, e.Label)
		if k < 0 {
			continue // a class the training images lacked cannot be scored
		}
		y = append(y, float64(k))
		row := make([]float64, len(classes))
		for j, c := range classes {
			row[j] = preds[i].Probabilities[c]
		}
		proba = append(proba, row)
	}
	return imageTestEval(task, y, proba)
}
