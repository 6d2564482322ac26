package pipeline

import (
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
)

// temperatureLead is the least lead (see lead) a temperature scaling needs over the model's own
// probabilities on cross-fitted log loss to be kept: at 0.5 the drop in log loss is as large as
// the noise of a log loss measured on those rows.
const temperatureLead = 0.5

// temperatureFolds is the number of folds a temperature is cross-fitted on to measure the log
// loss it gives rows it was not fitted to.
const temperatureFolds = 5

// temperatureFit is a temperature fitted to a multiclass classifier's held-out predictions and
// the log losses it is judged on.
type temperatureFit struct {
	cal model.Calibration
	// before is the log loss of the model's own probabilities, fitted that of the scaled ones
	// on the rows the temperature was fitted to, and after the cross-fitted log loss
	// (crossFittedLogLoss).
	before, fitted, after float64
	rows                  int
}

// temperatureCalibration fits a temperature scaling to val, a multiclass classifier's held-out
// predictions (from), and keeps it only when it softens the probabilities and lowers their
// cross-fitted log loss by a meaningful margin (temperatureLead). A network trained to a low
// training loss, or boosted trees given many rounds, put nearly all the probability on one
// class even where they are often wrong, and users read those probabilities. It returns the
// kept scaling (nil when none) and the decision that records the choice with its evidence,
// or nil, nil when val is not multiclass or has too few rows to cross-fit.
func (p *Pipeline) temperatureCalibration(val *scored, from string, iteration int) (*model.Calibration, *decision.Decision) {
	if val.task != automl.Multiclass || len(val.y) < temperatureFolds {
		return nil, nil
	}
	m, err := metrics.Lookup("logloss")
	if err != nil {
		return nil, nil
	}
	fit, err := fitTemperature(val, m)
	if err != nil {
		return nil, nil
	}
	d := p.temperatureDecision(fit, m, from, iteration)
	if fit.cal.Temperature <= 1 || lead(m, fit.rows, fit.after, fit.before) < temperatureLead {
		return nil, &d
	}
	return &fit.cal, &d
}

// fitTemperature fits the temperature of val's rows and measures the log losses m it is judged
// on.
func fitTemperature(val *scored, m metrics.Metric) (*temperatureFit, error) {
	fit := &temperatureFit{cal: model.FitTemperature(val.proba, val.width, val.y), rows: len(val.y)}
	var err error
	if fit.before, err = m.Compute(val.y, metrics.Predictions{Proba: val.probaRows()}); err != nil {
		return nil, err
	}
	if fit.fitted, err = m.Compute(val.y, metrics.Predictions{Proba: val.calibrated(&fit.cal).probaRows()}); err != nil {
		return nil, err
	}
	if fit.after, err = crossFittedLogLoss(val, m); err != nil {
		return nil, err
	}
	return fit, nil
}

// temperatureDecision records what temperatureCalibration makes of fit, the temperature of the
// held-out predictions from, with the log losses m as evidence. A temperature below 1 would
// sharpen the probabilities: it is not applied, since a model that errs on few of the held-out
// rows gets a temperature fitted mostly to rows it labels right, and the cost of sharpening its
// next confident error cannot be measured on them. A softening temperature is kept when its
// cross-fitted log loss leads the model's own by temperatureLead; the confidence is that lead
// (measured) or, when the model is left as it is, how far the scaling falls short of it.
func (p *Pipeline) temperatureDecision(fit *temperatureFit, m metrics.Metric, from string, iteration int) decision.Decision {
	t := fit.cal.Temperature
	scaled := alt(fmt.Sprintf("temperature %.3g", t), fit.after, fmt.Sprintf("log loss %.4f cross-fitted, %.4f on the rows it was fitted to", fit.after, fit.fitted))
	raw := alt("the model's own probabilities (temperature 1)", fit.before, fmt.Sprintf("log loss %.4f", fit.before))
	evidence := map[string]any{"temperature": t, "logloss_before": fit.before, "logloss_after": fit.after, "logloss_fitted": fit.fitted,
		"validation_rows": fit.rows, "folds": temperatureFolds, "predictions": from, "iteration": iteration, "lead_needed": temperatureLead}
	reasoning := fmt.Sprintf("A temperature T scales the class probabilities to p^(1/T), normalized; it keeps their order, so the predicted classes and the accuracy stay the same. "+
		"T = %.3g minimizes the log loss of the %s (%d rows); fitted to %d of %d parts of them at a time, it gives the other part a log loss of %.4f, against %.4f as the model gives them. ",
		t, from, fit.rows, temperatureFolds-1, temperatureFolds, fit.after, fit.before)
	const keep = "keep the probabilities as the model gives them"
	if t <= 1 {
		return p.decided(typeCalibration, keep,
			reasoning+"A temperature below 1 would sharpen the probabilities; the model is left as it is, since its few errors on these rows cannot show what sharpening its next confident error costs.",
			[]decision.Alternative{raw, scaled}, evidence, 1-lead(m, fit.rows, fit.fitted, fit.before))
	}
	gain := lead(m, fit.rows, fit.after, fit.before)
	if gain < temperatureLead {
		return p.decided(typeCalibration, keep,
			reasoning+"The drop, if any, is within the noise of a log loss measured on these rows, so the model is left as it is.",
			[]decision.Alternative{raw, scaled}, evidence, 1-gain)
	}
	return p.measured(typeCalibration, fmt.Sprintf("scale the probabilities by temperature %.3g", t),
		reasoning+"The model returns the scaled probabilities: T softens its overconfident probabilities by more than the noise of a log loss measured on these rows.",
		m, fit.rows, []decision.Alternative{scaled, raw}, evidence)
}

// crossFittedLogLoss is the log loss m of val's rows, each calibrated by the temperature fitted
// to the rows of the other temperatureFolds-1 folds (row i is in fold i mod temperatureFolds),
// or left as it is where that temperature is below 1, as temperatureCalibration would.
func crossFittedLogLoss(val *scored, m metrics.Metric) (float64, error) {
	w := val.width
	out := &scored{width: w, y: make([]float64, 0, len(val.y)), proba: make([]float64, 0, len(val.proba))}
	for f := range temperatureFolds {
		var fitY, fitProba []float64
		var held []int
		for i, c := range val.y {
			if i%temperatureFolds == f {
				held = append(held, i)
				continue
			}
			fitY, fitProba = append(fitY, c), append(fitProba, val.proba[i*w:(i+1)*w]...)
		}
		cal := model.FitTemperature(fitProba, w, fitY)
		for _, i := range held {
			row := slices.Clone(val.proba[i*w : (i+1)*w])
			if cal.Temperature > 1 {
				cal.Calibrate(row)
			}
			out.y, out.proba = append(out.y, val.y[i]), append(out.proba, row...)
		}
	}
	return m.Compute(out.y, metrics.Predictions{Proba: out.probaRows()})
}
