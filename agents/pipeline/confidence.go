package pipeline

import (
	"math"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

// A decision the rules make records how sure they are as its confidence, with one reading across
// the agents: how clearly the choice beats its runner-up, 0 at a tie. The alternatives' scores
// come in two kinds, and each kind has its builder, so no call site has to correct the
// confidence afterwards:
//
//   - ruled: scores the rules give options for how well each suits, 0 to 1, higher better
//     ("impute with indicator" 0.9); the confidence is the margin, the chosen option's score
//     less the best other one's, as the rules reasoner and the analysis compute it.
//   - measured: values of a metric measured on some rows (validation RMSE, test AUC), which
//     can be lower-is-better and on any scale; the confidence is the chosen option's lead over
//     its closest rival in the metric's direction, against the noise of those rows (lead).
//
// decided records a confidence the caller derives by a rule of its own (a criterion that holds
// or not).

// ruled returns a decision made by the rules among alternatives scored for how well they suit,
// with the margin between the chosen (first) alternative and the best other one as its
// confidence.
func (p *Pipeline) ruled(t decision.Type, choice, reasoning string, alts []decision.Alternative, evidence map[string]any) decision.Decision {
	return p.decided(t, choice, reasoning, alts, evidence, marginConfidence(alts))
}

// measured returns a decision made by the rules among alternatives scored by metric m on rows
// rows (or images), the chosen one first, with its lead over the others as its confidence
// (leadConfidence).
func (p *Pipeline) measured(t decision.Type, choice, reasoning string, m metrics.Metric, rows int, alts []decision.Alternative, evidence map[string]any) decision.Decision {
	return p.decided(t, choice, reasoning, alts, evidence, leadConfidence(m, rows, alts))
}

// decided returns a decision made by the rules with the confidence conf.
func (p *Pipeline) decided(t decision.Type, choice, reasoning string, alts []decision.Alternative, evidence map[string]any, conf float64) decision.Decision {
	return decision.Decision{Type: t, Decision: choice, Alternatives: alts, Evidence: evidence,
		Reasoning: reasoning, Confidence: conf, Reasoner: "rules", Time: p.now()}
}

// marginConfidence is the chosen (first) alternative's score less the best other one's, clamped
// to [0, 1]; 1 when the chosen one has no score.
func marginConfidence(alts []decision.Alternative) float64 {
	if len(alts) == 0 || alts[0].Score == nil {
		return 1
	}
	best, second := *alts[0].Score, 0.0
	for _, a := range alts[1:] {
		if a.Score != nil && *a.Score > second {
			second = *a.Score
		}
	}
	return clamp01(best - second)
}

// unscoredConfidence is the confidence of a choice among metric-scored alternatives when the
// chosen one or every other one has no score (the metric could not be computed): nothing
// measured shows the choice does better, nor that it does worse.
const unscoredConfidence = 0.5

// leadConfidence is how clearly the chosen (first) alternative beats the others on metric m,
// each scored on rows rows: its lead over the closest rival (the lowest lead), 0 when a rival
// scores as well or better. Alternatives without a score are no rivals; see
// unscoredConfidence for a choice with none.
func leadConfidence(m metrics.Metric, rows int, alts []decision.Alternative) float64 {
	if len(alts) == 0 || alts[0].Score == nil {
		return unscoredConfidence
	}
	conf, rivals := 1.0, 0
	for _, a := range alts[1:] {
		if a.Score != nil {
			conf, rivals = min(conf, lead(m, rows, *alts[0].Score, *a.Score)), rivals+1
		}
	}
	if rivals == 0 {
		return unscoredConfidence
	}
	return conf
}

// lead is how clearly a score chosen beats a score other on metric m when both were measured on
// n rows, on the scale of ruled's margins: 0 unless chosen is better in m's direction, rising
// toward 1 as the lead grows, 0.5 when the lead is 1/√n of the other's score. The scale stands
// for the noise of a score measured on n rows, which shrinks as 1/√n: a lead of 1% means
// little on 100 rows and much on 100,000.
func lead(m metrics.Metric, n int, chosen, other float64) float64 {
	if !m.Better(chosen, other) {
		return 0
	}
	d := math.Abs(chosen - other)
	scale := max(math.Abs(other), 1e-9) / math.Sqrt(float64(max(n, 1)))
	return d / (d + scale)
}
