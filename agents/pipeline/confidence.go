package pipeline

import (
	"fmt"
	"math"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

// A decision the rules make records as its confidence the one reading across the agents
// (see package decision): the chance that its choice is the better of it and its closest
// rival. 0.5 is a coin flip, which a rule broke (a tie); near 1 the choice clearly beats every
// alternative; below 0.5 a rule kept an option the evidence rates lower. The alternatives'
// scores come in two kinds, and each kind has its builder, so no call site has to correct the
// confidence afterwards:
//
//   - ruled: suitabilities the rules give options, 0 to 1 ("impute with indicator" 0.9), each
//     read as the chance that its option suits the facts; the confidence is the chance that
//     the chosen option is the one that suits when only one of it and the best other does
//     (decision.SuitConfidence).
//   - measured: values of a metric measured on some rows (validation RMSE, test AUC), which
//     can be lower-is-better and on any scale; the confidence is the chance that the chosen
//     option truly beats its closest rival given the noise of those rows (lead).
//
// decided records a confidence the caller derives by a rule of its own (a criterion that holds
// or not).

// ruled returns a decision made by the rules among alternatives scored for how well they suit,
// the chosen one first, with the chance that it is the better of it and the best other one as
// its confidence (decision.SuitConfidence).
func (p *Pipeline) ruled(t decision.Type, choice, reasoning string, alts []decision.Alternative, evidence map[string]any) decision.Decision {
	return p.decided(t, choice, reasoning, alts, evidence, decision.SuitConfidence(alts))
}

// measured returns a decision made by the rules among alternatives scored by metric m on rows
// rows (or images), the chosen one first, with the chance that it beats the others as its
// confidence (leadConfidence). When a rival ties the chosen one, the reasoning ends by saying
// that a rule broke the tie (tieNote), since the confidence is then a coin flip.
func (p *Pipeline) measured(t decision.Type, choice, reasoning string, m metrics.Metric, rows int, alts []decision.Alternative, evidence map[string]any) decision.Decision {
	return p.decided(t, choice, reasoning+tieNote(m, alts), alts, evidence, leadConfidence(m, rows, alts))
}

// tieNote is the sentence, with a leading space, that says the chosen (first) of alternatives
// scored by metric m ties the first rival with the same score, or "" when none does.
func tieNote(m metrics.Metric, alts []decision.Alternative) string {
	if len(alts) == 0 || alts[0].Score == nil {
		return ""
	}
	for _, a := range alts[1:] {
		if a.Score != nil && *a.Score == *alts[0].Score {
			return fmt.Sprintf(" %s ties %s on %s (%.4g): the rule broke the tie, so the choice is a coin flip between equals.", alts[0].Option, a.Option, m.Name, *a.Score)
		}
	}
	return ""
}

// decided returns a decision made by the rules with the confidence conf.
func (p *Pipeline) decided(t decision.Type, choice, reasoning string, alts []decision.Alternative, evidence map[string]any, conf float64) decision.Decision {
	return decision.Decision{Type: t, Decision: choice, Alternatives: alts, Evidence: evidence,
		Reasoning: reasoning, Confidence: conf, Reasoner: "rules", Time: p.now()}
}

// unscoredConfidence is the confidence of a choice among metric-scored alternatives when the
// chosen one or every other one has no score (the metric could not be computed): nothing
// measured shows the choice does better, nor that it does worse.
const unscoredConfidence = 0.5

// leadConfidence is the chance that the chosen (first) alternative beats the others on metric
// m, each scored on rows rows: its lead over the closest rival (the lowest lead), 0.5 when a
// rival ties it and below when a rival scores better. Alternatives without a score are no
// rivals; see unscoredConfidence for a choice with none.
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

// lead is the chance that a score chosen beats a score other on metric m when both were
// measured on the same n rows: Φ(d/σ), with d the difference in m's direction and σ the
// standard error of the difference, the two scores' standard errors (scoreNoise) combined as
// for independent measurements. Measured on the same rows, the two share part of their noise,
// which cancels in the difference; the combined σ overstates the noise and keeps lead on the
// cautious side. lead is 0.5 at a tie, and lead(m, n, a, b) + lead(m, n, b, a) = 1.
func lead(m metrics.Metric, n int, chosen, other float64) float64 {
	d := chosen - other
	if !m.HigherIsBetter {
		d = -d
	}
	if d == 0 {
		return 0.5
	}
	// Two exact scores (accuracies of 1 and 0) have σ = 0: d/σ is ±Inf, and Φ 1 or 0.
	return normalCDF(d / math.Hypot(scoreNoise(m, n, chosen), scoreNoise(m, n, other)))
}

// scoreNoise is the standard error of a score v of metric m measured on n rows, from v alone
// (the per-row values it averages are gone):
//
//   - higher-is-better scores on 0..1 (accuracy, recall, F1, AUC, ...) are read as a
//     proportion of n rows, the binomial √(v(1−v)/n): small near 0 and 1, largest at 0.5. It
//     is exact for accuracy; precision, recall and AUC average over fewer rows (one class, or
//     pairs across classes), so for them it is a floor.
//   - RMSE and R² are read for normal errors, whose squares spread √2 times their mean: the
//     mean squared error's relative error is √(2/n), RMSE's half that, and R² = 1 − MSE/var
//     carries it on 1 − R².
//   - MAE is read for normal errors too, whose absolute values spread √(π/2 − 1) ≈ 0.76
//     times their mean.
//   - other losses (log loss, Brier, MAPE) are means of per-row losses whose spread is taken
//     as about their mean, v/√n.
func scoreNoise(m metrics.Metric, n int, v float64) float64 {
	rootN := math.Sqrt(float64(max(n, 1)))
	switch {
	case m.Name == "rmse":
		return math.Abs(v) / math.Sqrt2 / rootN
	case m.Name == "r2":
		return math.Abs(1-v) * math.Sqrt2 / rootN
	case m.Name == "mae":
		return math.Abs(v) * math.Sqrt(math.Pi/2-1) / rootN
	case m.HigherIsBetter:
		p := clamp01(v)
		return math.Sqrt(p*(1-p)) / rootN
	}
	return math.Abs(v) / rootN
}

// normalCDF is Φ, the standard normal distribution function.
func normalCDF(z float64) float64 { return math.Erfc(-z/math.Sqrt2) / 2 }
