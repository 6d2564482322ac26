package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
)

// AutoMLTrainer is a Trainer whose backend also trains managed AutoML models (Vertex AI AutoML
// tabular). DEPLOYMENT then trains one on the same training rows as a challenger to the
// engine's model, deploys it on an endpoint, scores the held-out test rows through it, and
// serves whichever model scores better on the project's metric; every step is a decision.
type AutoMLTrainer interface {
	EndpointDeployer
	// PlanAutoML says whether to train a challenger for the plan, and why.
	PlanAutoML(plan AutoMLPlan) (bool, string)
	// TrainAutoML trains a model on job's rows and deploys it on an endpoint; on failure it
	// leaves nothing behind. job.Attempt (1 to 3) adjusts the parameters.
	TrainAutoML(ctx context.Context, job AutoMLJob) (*Endpoint, error)
	// PredictEndpoint scores rows (column → value, nil when missing) on the endpoint.
	PredictEndpoint(ctx context.Context, ep *Endpoint, rows []map[string]any) ([]EndpointPrediction, error)
}

// AutoMLPlan is what PlanAutoML decides on.
type AutoMLPlan struct {
	// Task is "binary", "multiclass" or "regression"; Rows the training rows.
	Task string
	Rows int
	// Budget is the project's training budget.
	Budget time.Duration
}

// AutoMLJob is one AutoML training.
type AutoMLJob struct {
	// ProjectID names the project.
	ProjectID string
	// Frame holds the training rows (never the test rows).
	Frame        *frame.Frame
	Target, Task string
	// Drop lists the columns not to learn from.
	Drop []string
	// Metric is the project's metric, which AutoML optimizes when it can.
	Metric string
	// Budget is the training budget (the backend converts it to node hours).
	Budget time.Duration
	// Attempt is 1 to 3; later attempts adjust the parameters.
	Attempt int
}

// EndpointPrediction is one answer of an endpoint.
type EndpointPrediction struct {
	// Probabilities by class label (classifiers).
	Probabilities map[string]float64
	// Value is the predicted value (regression).
	Value float64
}

// automlAttempts bounds the AutoML challenger's tries, as training's retry rules do.
const automlAttempts = maxTrainAttempts

// tryAutoML calls train with attempts 1 to automlAttempts until one succeeds. After each failure
// but the last it records the retry decision retry makes and logs the failure of what (the kind
// of training). It returns the number of attempts made and the last error; a failure once ctx
// has ended stops the tries at once (the caller then returns ctx.Err()).
func (p *Pipeline) tryAutoML(ctx context.Context, r *run, out *outcome, what string, train func(attempt int) error, retry func(attempt int, err error) decision.Decision) (int, error) {
	for attempt := 1; ; attempt++ {
		err := train(attempt)
		if err == nil || ctx.Err() != nil || attempt == automlAttempts {
			return attempt, err
		}
		out.decide(retry(attempt, err))
		r.logf(fmt.Sprintf("%s attempt %d failed: %v", what, attempt, err))
	}
}

// automlChallenger trains and judges the AutoML challenger when the trainer offers one, on
// what DEPLOYMENT has loaded (in). It returns the challenger's endpoint when it wins (fin then
// holds its test evaluation) and nil when the engine's model stays; the AutoML model is removed
// when it loses.
func (p *Pipeline) automlChallenger(ctx context.Context, r *run, at AutoMLTrainer, in *deployInputs, fin *finalEval, out *outcome) (*Endpoint, error) {
	ds, st := in.ds, in.st
	budget := time.Duration(st.Config.BudgetSeconds * float64(time.Second))
	run, why := at.PlanAutoML(AutoMLPlan{Task: ds.Task, Rows: len(ds.Train), Budget: budget})
	if !run {
		out.decide(p.ruled(typeModelChoice, "serve the engine's model without an AutoML challenger: "+why,
			fmt.Sprintf("The %s backend can also train Vertex AI AutoML tabular models, but not here: %s.", p.trainer.Name(), why),
			[]decision.Alternative{alt("the engine's model (custom job)", 0.8, "trained and evaluated"), alt("an AutoML tabular challenger", 0.2, why)},
			map[string]any{"budget_seconds": budget.Seconds(), "task": ds.Task}))
		return nil, nil
	}
	r.progress(0.75, budget.Seconds(), "training an AutoML tabular challenger on Vertex AI", true)
	change := []string{"", "AutoML's default objective instead of the project's metric", "AutoML's default objective, and AutoML chooses the columns"}
	var ep *Endpoint
	attempts, err := p.tryAutoML(ctx, r, out, "AutoML", func(attempt int) (err error) {
		ep, err = at.TrainAutoML(ctx, AutoMLJob{ProjectID: r.proj.ID.String(), Frame: in.f.Take(ds.Train), Target: ds.Target, Task: ds.Task,
			Drop: ds.dropNames(), Metric: st.Metric, Budget: budget, Attempt: attempt})
		return err
	}, func(attempt int, err error) decision.Decision {
		return p.ruled(typeRecovery, fmt.Sprintf("retry AutoML training (attempt %d of %d): %s", attempt+1, automlAttempts, change[attempt]),
			fmt.Sprintf("Attempt %d failed: %v. Retrying with adjusted parameters.", attempt, err),
			[]decision.Alternative{alt("retry with "+change[attempt], 0.6, "the failure may depend on the objective or columns"), alt("serve the engine's model", 0.4, "it is ready")},
			map[string]any{"attempt": attempt, "error": err.Error()})
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out.decide(p.ruled(typeRecovery, fmt.Sprintf("serve the engine's model: the AutoML challenger failed %d times", attempts),
			fmt.Sprintf("The last AutoML training failed: %v. The engine's model is evaluated and ready, so it is served.", err),
			[]decision.Alternative{alt("serve the engine's model", 0.8, "trained and evaluated"), alt("fail the project", 0.1, "a good model exists")},
			map[string]any{"attempts": attempts, "error": err.Error()}))
		return nil, nil
	}
	challenger, err := scoreEndpoint(ctx, at, ep, in)
	if err != nil {
		out.decide(p.ruled(typeRecovery, "serve the engine's model: the AutoML challenger could not be scored",
			fmt.Sprintf("Scoring the held-out test rows through the AutoML endpoint failed: %v.", err),
			[]decision.Alternative{alt("serve the engine's model", 0.8, "trained and evaluated")}, map[string]any{"error": err.Error()}))
		return nil, at.RemoveEndpoint(context.WithoutCancel(ctx), ep.EndpointID, ep.ExternalID)
	}
	return p.settleChallenger(ctx, at, tabularChallenger(), st.Metric, fin, challenger, ep, out)
}

// scoreEndpoint evaluates an endpoint's model on the held-out test rows as testEvaluation
// evaluates the engine's model (the class with the highest probability is predicted).
func scoreEndpoint(ctx context.Context, at AutoMLTrainer, ep *Endpoint, in *deployInputs) (*finalEval, error) {
	ds, st := in.ds, in.st
	test := in.f.Take(ds.Test)
	target := test.Col(ds.Target)
	inputs := make([]*frame.Column, 0, test.NCols())
	dropped := map[string]bool{ds.Target: true}
	for _, n := range ds.dropNames() {
		dropped[n] = true
	}
	for _, n := range test.Names() {
		if !dropped[n] {
			inputs = append(inputs, test.Col(n))
		}
	}
	rows := make([]map[string]any, test.NRows())
	for i := range rows {
		row := make(map[string]any, len(inputs))
		for _, c := range inputs {
			if c.Missing[i] {
				row[c.Name] = nil
			} else {
				row[c.Name] = c.Value(i)
			}
		}
		rows[i] = row
	}
	preds, err := at.PredictEndpoint(ctx, ep, rows)
	if err != nil {
		return nil, err
	}
	if len(preds) != len(rows) {
		return nil, fmt.Errorf("%d predictions for %d rows", len(preds), len(rows))
	}
	s := &scored{task: ds.Task, classes: st.Classes, width: max(1, len(st.Classes)), threshold: 0.5, pos: 1}
	if ds.Task == automl.Regression {
		for i, pr := range preds {
			s.y = append(s.y, target.Num[i])
			s.values = append(s.values, pr.Value)
		}
	} else {
		for i, pr := range preds {
			k := s.classIndex(target.Value(i), -1)
			if k < 0 {
				continue // a class never seen in training cannot be scored
			}
			s.y = append(s.y, float64(k))
			for _, c := range st.Classes {
				s.proba = append(s.proba, pr.Probabilities[c])
			}
		}
		if ds.Task == automl.Binary {
			s.pos = s.classIndex(ds.PositiveClass, 1)
		}
	}
	return s.testEval(st, in.an.SuccessCriteria)
}
