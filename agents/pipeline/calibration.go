package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
)

// calibrationLead is the least lead (see lead) a calibration fitted to a classifier's held-out
// predictions needs over the model's own probabilities on cross-fitted log loss to be kept (see
// heldOutCalibration): Φ(1), the lead of a drop in log loss as deep as the standard error of
// the difference.
const calibrationLead = 0.8413447460685429

// calibrationFolds is the number of folds a calibration is cross-fitted on to measure the log
// loss it gives rows it was not fitted to.
const calibrationFolds = 5

// calibrationFit is a calibration fitted to a classifier's held-out predictions and the log
// losses it is judged on.
type calibrationFit struct {
	cal model.Calibration
	// before is the log loss of the model's own probabilities, fitted that of the calibrated
	// ones on the rows the calibration was fitted to, and after the cross-fitted log loss
	// (crossFittedLogLoss).
	before, fitted, after float64
	rows                  int
}

// fitter fits a calibration to a classifier's held-out predictions; nil when it finds none.
type fitter func(val *scored) *model.Calibration

// fitTemperature is the fitter of a multiclass classifier's temperature scaling.
func fitTemperature(val *scored) *model.Calibration {
	c := model.FitTemperature(val.proba, val.width, val.y)
	return &c
}

// temperatureCalibration fits a temperature scaling to val, a multiclass classifier's held-out
// predictions (from), and keeps it under heldOutCalibration's rule. A network trained to a low
// training loss, or boosted trees given many rounds, put nearly all the probability on one
// class even where they are often wrong, and users read those probabilities. It returns the
// kept scaling (nil when none) and the decision that records the choice with its evidence,
// or nil, nil when val is not multiclass or has too few rows to cross-fit.
func (p *Pipeline) temperatureCalibration(val *scored, from string, iteration int) (*model.Calibration, *decision.Decision) {
	if val.task != automl.Multiclass {
		return nil, nil
	}
	return p.heldOutCalibration(val, fitTemperature, from, iteration)
}

// checkedPlattCalibration fits to val, a binary classifier's held-out predictions (from), the
// Platt scaling a binary model of rows takes (plattCalibration), and keeps it under
// heldOutCalibration's rule: a model of rows is Platt-scaled on out-of-fold predictions of
// every row, where one fitted on the few pictures an image trainer holds out needs to show
// it helps. It returns the kept scaling (nil when none) and the decision that records the
// choice, or nil, nil when val is not binary, has too few rows to cross-fit, or gives no
// scaling.
func (p *Pipeline) checkedPlattCalibration(ctx context.Context, val *scored, from string, iteration int) (*model.Calibration, *decision.Decision) {
	if val.task != automl.Binary {
		return nil, nil
	}
	return p.heldOutCalibration(val, func(v *scored) *model.Calibration { return plattCalibration(ctx, v) }, from, iteration)
}

// heldOutCalibration fits a calibration to val with fit and keeps it only when it softens the
// probabilities (model.Calibration.Softens) and lowers their cross-fitted log loss by a
// meaningful margin (calibrationLead). It returns the kept calibration (nil when none) and the
// decision that records the choice with its evidence, or nil, nil when val has too few rows
// to cross-fit or fit finds no calibration.
func (p *Pipeline) heldOutCalibration(val *scored, fit fitter, from string, iteration int) (*model.Calibration, *decision.Decision) {
	if len(val.y) < calibrationFolds {
		return nil, nil
	}
	m, err := metrics.Lookup("logloss")
	if err != nil {
		return nil, nil
	}
	f, err := measureCalibration(val, fit, m)
	if err != nil {
		return nil, nil
	}
	cal, d := p.calibrationDecision(f, m, from, iteration)
	return cal, &d
}

// measureCalibration fits the calibration of val's rows with fit and measures the log losses
// m it is judged on.
func measureCalibration(val *scored, fit fitter, m metrics.Metric) (*calibrationFit, error) {
	cal := fit(val)
	if cal == nil {
		return nil, errors.New("no calibration fits the predictions")
	}
	f := &calibrationFit{cal: *cal, rows: len(val.y)}
	var err error
	if f.before, err = m.Compute(val.y, metrics.Predictions{Proba: val.probaRows()}); err != nil {
		return nil, err
	}
	if f.fitted, err = m.Compute(val.y, metrics.Predictions{Proba: val.calibrated(cal).probaRows()}); err != nil {
		return nil, err
	}
	if f.after, err = crossFittedLogLoss(val, fit, m); err != nil {
		return nil, err
	}
	return f, nil
}

// scalingWords are how a decision names and explains a calibration.
type scalingWords struct {
	// name is the scaling with its parameters; how says what it does; sharpens starts the
	// sentence that says why one that sharpens is not applied.
	name, how, sharpens string
	// params are its parameters, as evidence.
	params map[string]any
}

// wordsOf returns the words for c: a temperature or a Platt scaling.
func wordsOf(c model.Calibration) scalingWords {
	if c.Temperature != 0 {
		return scalingWords{
			name:     fmt.Sprintf("temperature %.3g", c.Temperature),
			how:      "A temperature T scales the class probabilities to p^(1/T), normalized; it keeps their order, so the predicted classes and the accuracy stay the same.",
			sharpens: "A temperature below 1 would sharpen the probabilities",
			params:   map[string]any{"temperature": c.Temperature},
		}
	}
	return scalingWords{
		name: fmt.Sprintf("Platt scaling σ(%.3g·logit p %+.3g)", c.A, c.B),
		how: "A Platt scaling maps the probability p of the second class to σ(A·logit p + B), as a binary model of rows is calibrated; with A > 0 it keeps the order of the predictions, " +
			"and only B moves some across ½, changing their label.",
		sharpens: "A slope above 1 would sharpen the probabilities",
		params:   map[string]any{"slope": c.A, "intercept": c.B},
	}
}

// calibrationDecision is heldOutCalibration's rule: it keeps f, the calibration of the
// held-out predictions from, or not, and returns the kept calibration (nil when none) with the
// decision that records why, the log losses m as evidence. A calibration that sharpens the
// probabilities is not applied, since a model that errs on few of the held-out rows gets one
// fitted mostly to rows it labels right, and the cost of sharpening its next confident error
// cannot be measured on them. A softening one is kept when its cross-fitted log loss leads the
// model's own by calibrationLead; the confidence is that lead (measured) or, when the model is
// left as it is, the chance that its own probabilities do no worse (1 − lead).
func (p *Pipeline) calibrationDecision(f *calibrationFit, m metrics.Metric, from string, iteration int) (*model.Calibration, decision.Decision) {
	w := wordsOf(f.cal)
	scaled := alt(w.name, f.after, fmt.Sprintf("log loss %.4f cross-fitted, %.4f on the rows it was fitted to", f.after, f.fitted))
	raw := alt("the model's own probabilities", f.before, fmt.Sprintf("log loss %.4f", f.before))
	evidence := map[string]any{"logloss_before": f.before, "logloss_after": f.after, "logloss_fitted": f.fitted,
		"validation_rows": f.rows, "folds": calibrationFolds, "predictions": from, "iteration": iteration, "lead_needed": calibrationLead}
	maps.Copy(evidence, w.params)
	reasoning := fmt.Sprintf("%s The %s minimizes the log loss of the %s (%d rows); fitted to %d of %d parts of them at a time, it gives the other part a log loss of %.4f, against %.4f as the model gives them. ",
		w.how, w.name, from, f.rows, calibrationFolds-1, calibrationFolds, f.after, f.before)
	const keep = "keep the probabilities as the model gives them"
	if !f.cal.Softens() {
		return nil, p.decided(typeCalibration, keep,
			reasoning+w.sharpens+"; the model is left as it is, since its few errors on these rows cannot show what sharpening its next confident error costs.",
			[]decision.Alternative{raw, scaled}, evidence, 1-lead(m, f.rows, f.fitted, f.before))
	}
	gain := lead(m, f.rows, f.after, f.before)
	if gain < calibrationLead {
		return nil, p.decided(typeCalibration, keep,
			reasoning+"The drop, if any, is within the noise of a log loss measured on these rows, so the model is left as it is.",
			[]decision.Alternative{raw, scaled}, evidence, 1-gain)
	}
	return &f.cal, p.measured(typeCalibration, "calibrate the probabilities by "+w.name,
		reasoning+"The model returns the calibrated probabilities: the "+w.name+" softens its overconfident probabilities by more than the noise of a log loss measured on these rows.",
		m, f.rows, []decision.Alternative{scaled, raw}, evidence)
}

// crossFittedLogLoss is the log loss m of val's rows, each calibrated by fit on the rows of
// the other calibrationFolds-1 folds (row i is in fold i mod calibrationFolds), or left as it
// is where that calibration sharpens or none fits, as heldOutCalibration would.
func crossFittedLogLoss(val *scored, fit fitter, m metrics.Metric) (float64, error) {
	w := val.width
	y, proba := make([]float64, 0, len(val.y)), make([][]float64, 0, len(val.y))
	for f := range calibrationFolds {
		rest := &scored{task: val.task, width: w}
		var held []int
		for i, c := range val.y {
			if i%calibrationFolds == f {
				held = append(held, i)
				continue
			}
			rest.y, rest.proba = append(rest.y, c), append(rest.proba, val.proba[i*w:(i+1)*w]...)
		}
		cal := fit(rest)
		for _, i := range held {
			row := slices.Clone(val.proba[i*w : (i+1)*w])
			if cal != nil && cal.Softens() {
				cal.Calibrate(row)
			}
			y, proba = append(y, val.y[i]), append(proba, row)
		}
	}
	return m.Compute(y, metrics.Predictions{Proba: proba})
}
