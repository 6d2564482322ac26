package pipeline

import (
	"math"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

// A decision the rules make records how sure they are as its confidence. The alternatives'
// scores come in two kinds, and each kind has its builder, so no call site has to correct the
// confidence afterwards:
//
//   - ruled: suitabilities the rules give options, 0 to 1 ("impute with indicator" 0.9), each
//     read as the chance that its option suits the facts; the confidence is the chance that
//     the chosen option is the one that suits when only one of it and the best other does
//     (suitedOver): 0.5 at a tie, near 1 when the choice clearly beats every alternative.
//   - measured: values of a metric measured on some rows (validation RMSE, test AUC), which
//     can be lower-is-better and on any scale; the confidence is the chosen option's lead over
//     its closest rival in the metric's direction, against the noise of those rows (lead).
//
// decided records a confidence the caller derives by a rule of its own (a criterion that holds
// or not).

// ruled returns a decision made by the rules among alternatives scored for how well they suit,
// the chosen one first, with the chance that it is the better of it and the best other one as
// its confidence (suitConfidence).
func (p *Pipeline) ruled(t decision.Type, choice, reasoning string, alts []decision.Alternative, evidence map[string]any) decision.Decision {
	return p.decided(t, choice, reasoning, alts, evidence, suitConfidence(alts))
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

// suitConfidence is the confidence of the chosen (first) of alternatives scored by suitability:
// suitedOver its best-scored other. With no other scored it is the chosen one's own score, the
// chance that it suits; 1 when the chosen one has no score (nothing weighs against it).
func suitConfidence(alts []decision.Alternative) float64 {
	if len(alts) == 0 || alts[0].Score == nil {
		return 1
	}
	var rival *float64
	for _, a := range alts[1:] {
		rival = higher(rival, a.Score)
	}
	if rival == nil {
		return clamp01(*alts[0].Score)
	}
	return suitedOver(*alts[0].Score, *rival)
}

// higher returns the higher of two scores, either of which may be missing (nil).
func higher(a, b *float64) *float64 {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

// suitedOver is the chance that an option of suitability s, rather than a rival of suitability
// r, is the one that suits, reading each as the independent chance that its option suits and
// knowing that exactly one of them does: s(1−r) / (s(1−r) + r(1−s)), the Bradley–Terry
// probability with the scores' odds as strengths. It is 0.5 at a tie, 0.73 for 0.8 over 0.6,
// 0.9 for 0.9 over 0.5, 0.99 for 0.9 over 0.1 and 1 over a rival that cannot suit (0); the
// margin s − r read the first two as 0 and 0.2, doubt that a rule which plainly applies does
// not have.
func suitedOver(s, r float64) float64 {
	s, r = clamp01(s), clamp01(r)
	win, lose := s*(1-r), r*(1-s)
	if win+lose == 0 {
		return 0.5 // both certain (1 and 1) or both ruled out (0 and 0): nothing tells them apart
	}
	return win / (win + lose)
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
