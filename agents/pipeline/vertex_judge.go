package pipeline

import (
	"context"
	"fmt"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

// challengerKind is what sets an AutoML tabular challenger apart from an image one in the
// decision that judges it: how the two models are named and described, and what the test set
// holds. The judging and the rest of the wording are the same.
type challengerKind struct {
	// engine names the engine's model in the decision ("the engine's model").
	engine string
	// engineAlt and automlAlt are the two models as alternatives, without scores; automlAlt's
	// Option also names the AutoML model in the decision.
	engineAlt, automlAlt decision.Alternative
	// unit is what the training and test sets hold: "rows" or "images".
	unit string
	// kept completes "The downloadable artifact stays the engine's model" when AutoML wins.
	kept string
}

// tabularChallenger is an AutoML tabular model challenging the engine's model.
func tabularChallenger() challengerKind {
	return challengerKind{
		engine:    "the engine's model",
		engineAlt: decision.Alternative{Option: "the engine's model (custom job)", Note: "refit on all labeled rows, downloadable"},
		automlAlt: decision.Alternative{Option: "the AutoML tabular model", Note: "trained on the training rows, served by Vertex AI only"},
		unit:      "rows",
		kept:      " (AutoML tabular models run on Vertex AI only), and explanations come from it",
	}
}

// imageChallengerKind is an AutoML image model challenging the engine's image model.
func imageChallengerKind() challengerKind {
	return challengerKind{
		engine:    "the engine's image model",
		engineAlt: decision.Alternative{Option: "the engine's image model", Note: "downloadable, served by Trainyard"},
		automlAlt: decision.Alternative{Option: "the AutoML image model", Note: "trained on the training images, served by Vertex AI only"},
		unit:      "images",
		kept:      " (AutoML image models run on Vertex AI only)",
	}
}

// settleChallenger judges a challenger scored on the test set against the engine's evaluation
// fin on metric (judgeChallenger) and records the decision. When the challenger wins it
// returns its endpoint and fin then holds its evaluation; otherwise its endpoint is removed.
func (p *Pipeline) settleChallenger(ctx context.Context, at EndpointDeployer, kind challengerKind, metric string, fin, challenger *finalEval, ep *Endpoint, out *outcome) (*Endpoint, error) {
	m, err := metrics.Lookup(metric)
	if err != nil {
		return nil, at.RemoveEndpoint(context.WithoutCancel(ctx), ep.EndpointID, ep.ExternalID)
	}
	wins, d := p.judgeChallenger(kind, m, fin, challenger, ep)
	out.decide(d)
	if !wins {
		return nil, at.RemoveEndpoint(context.WithoutCancel(ctx), ep.EndpointID, ep.ExternalID)
	}
	*fin = *challenger
	return ep, nil
}

// judgeChallenger compares the AutoML challenger's test evaluation with the engine's on the
// project's metric m and says whether the challenger is served, with the decision that records
// why. A metric that could not be computed on the test set is absent from Values (see
// testValues), never 0: a challenger without it loses, since nothing shows it does better
// (read as 0 it would beat any engine on a lower-is-better metric such as logloss or RMSE),
// and a challenger with it beats an engine without it.
func (p *Pipeline) judgeChallenger(kind challengerKind, m metrics.Metric, engine, challenger *finalEval, ep *Endpoint) (bool, decision.Decision) {
	ours, haveOurs := engine.Values[m.Name]
	theirs, haveTheirs := challenger.Values[m.Name]
	ev := map[string]any{"metric": m.Name, "test_" + kind.unit: challenger.TestRows, "endpoint_id": ep.EndpointID, "external_id": ep.ExternalID}
	engineAlt, automlAlt := kind.engineAlt, kind.automlAlt
	if haveOurs {
		ev["engine"], engineAlt.Score = ours, decision.Score(ours)
	}
	if haveTheirs {
		ev["automl"], automlAlt.Score = theirs, decision.Score(theirs)
	}
	// The chosen model comes first among the alternatives; its confidence is its lead on m over
	// the test set (measured), or unscoredConfidence when either model has no score.
	choose := func(served bool, choice, reasoning string) (bool, decision.Decision) {
		alts := []decision.Alternative{engineAlt, automlAlt}
		if served {
			alts[0], alts[1] = alts[1], alts[0]
		}
		return served, p.measured(typeModelChoice, choice, reasoning, m, challenger.TestRows, alts, ev)
	}
	switch {
	case !haveTheirs:
		return choose(false, fmt.Sprintf("serve %s: the AutoML challenger's %s could not be computed on the test %s", kind.engine, m.Name, kind.unit),
			fmt.Sprintf("Both models were scored on the same held-out test %s, but the AutoML model's predictions give no %s, so nothing shows it does better; it is undeployed and deleted.", kind.unit, m.Name))
	case haveOurs && !m.Better(theirs, ours):
		return choose(false, fmt.Sprintf("serve %s: it scored %s %.4g on the test %s, AutoML %.4g", kind.engine, m.Name, ours, kind.unit, theirs),
			fmt.Sprintf("Both models learned from the same training %[1]s and were scored on the same held-out test %[1]s; the AutoML challenger did not do better, so it is undeployed and deleted.", kind.unit))
	}
	engineScore := "could not be computed"
	if haveOurs {
		engineScore = fmt.Sprintf("%.4g", ours)
	}
	return choose(true, fmt.Sprintf("serve %s on %s: it scored %s %.4g on the test %s, the engine %s", kind.automlAlt.Option, ep.EndpointID, m.Name, theirs, kind.unit, engineScore),
		fmt.Sprintf("Both models learned from the same training %[1]s and were scored on the same held-out test %[1]s; the AutoML model did better, so its endpoint answers the predictions and the reported metrics are its own. The downloadable artifact stays the engine's model%[2]s.", kind.unit, kind.kept))
}
