package pipeline

import (
	"fmt"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

// judgeChallenger compares the AutoML challenger's test evaluation with the engine's on the
// project's metric m and says whether the challenger is served, with the decision that records
// why. A metric that could not be computed on the test rows is absent from Values (see
// testValues), never 0: a challenger without it loses, since nothing shows it does better
// (read as 0 it would beat any engine on a lower-is-better metric such as logloss or RMSE),
// and a challenger with it beats an engine without it.
func (p *Pipeline) judgeChallenger(m metrics.Metric, engine, challenger *finalEval, ep *Endpoint) (bool, decision.Decision) {
	ours, haveOurs := engine.Values[m.Name]
	theirs, haveTheirs := challenger.Values[m.Name]
	ev := map[string]any{"metric": m.Name, "test_rows": challenger.TestRows, "endpoint_id": ep.EndpointID, "external_id": ep.ExternalID}
	engineAlt := decision.Alternative{Option: "the engine's model (custom job)", Note: "refit on all labeled rows, downloadable"}
	automlAlt := decision.Alternative{Option: "the AutoML tabular model", Note: "trained on the training rows, served by Vertex AI only"}
	if haveOurs {
		ev["engine"], engineAlt.Score = ours, decision.Score(ours)
	}
	if haveTheirs {
		ev["automl"], automlAlt.Score = theirs, decision.Score(theirs)
	}
	alts := []decision.Alternative{engineAlt, automlAlt}
	switch {
	case !haveTheirs:
		return false, p.ruled(typeModelChoice, fmt.Sprintf("serve the engine's model: the AutoML challenger's %s could not be computed on the test rows", m.Name),
			fmt.Sprintf("Both models were scored on the same held-out test rows, but the AutoML model's predictions give no %s, so nothing shows it does better; it is undeployed and deleted.", m.Name),
			alts, ev)
	case haveOurs && !better(theirs, ours, m.HigherIsBetter):
		return false, p.ruled(typeModelChoice, fmt.Sprintf("serve the engine's model: it scored %s %.4g on the test rows, AutoML %.4g", m.Name, ours, theirs),
			"Both models learned from the same training rows and were scored on the same held-out test rows; the AutoML challenger did not do better, so it is undeployed and deleted.",
			alts, ev)
	}
	engineScore := "could not be computed"
	if haveOurs {
		engineScore = fmt.Sprintf("%.4g", ours)
	}
	return true, p.ruled(typeModelChoice, fmt.Sprintf("serve the AutoML tabular model on %s: it scored %s %.4g on the test rows, the engine %s", ep.EndpointID, m.Name, theirs, engineScore),
		"Both models learned from the same training rows and were scored on the same held-out test rows; the AutoML model did better, so its endpoint answers the predictions and the reported metrics are its own. The downloadable artifact stays the engine's model (AutoML tabular models run on Vertex AI only), and explanations come from it.",
		alts, ev)
}
