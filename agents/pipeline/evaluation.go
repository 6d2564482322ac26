package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
)

// evalKey names the evaluation state.
const evalKey = "eval.json"

// iterateGap is the largest shortfall on validation that another iteration is expected to
// close; beyond it, the criterion is reported as out of reach.
const iterateGap = 0.05

// iterationChange is what the next training iteration changes.
type iterationChange struct {
	Iteration    int      `json:"iteration"`
	Change       string   `json:"change"`
	Balance      bool     `json:"balance,omitempty"`
	BudgetFactor float64  `json:"budget_factor,omitempty"`
	Families     []string `json:"families,omitempty"`
}

// iterationResult is one evaluated iteration, judged on validation data.
type iterationResult struct {
	Iteration int     `json:"iteration"`
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
	// Calibration is the Platt scaling (binary models) or the temperature scaling (multiclass
	// models) fitted on the iteration's out-of-fold predictions; Threshold applies to the
	// calibrated probabilities.
	Calibration *model.Calibration `json:"calibration,omitempty"`
	Met         int                `json:"met"`
	Criteria    []criterionResult  `json:"criteria,omitempty"`
	Change      string             `json:"change,omitempty"`
}

// finalEval is the held-out evaluation of the chosen iteration.
type finalEval struct {
	Iteration int                `json:"iteration"`
	HasThresh bool               `json:"has_threshold"`
	Threshold float64            `json:"threshold"`
	Positive  int                `json:"positive"`
	Summary   metrics.Summary    `json:"summary"`
	Values    map[string]float64 `json:"values"`
	Criteria  []criterionResult  `json:"criteria,omitempty"`
	// CriteriaMet is true when every criterion holds on the test rows.
	CriteriaMet bool   `json:"criteria_met"`
	Why         string `json:"why,omitempty"`
	TestRows    int    `json:"test_rows"`
}

// evalState is the EVALUATION stage's memory across iterations.
type evalState struct {
	Iterations []iterationResult `json:"iterations"`
	Next       *iterationChange  `json:"next,omitempty"`
	Final      *finalEval        `json:"final,omitempty"`
}

// evaluateStage is EVALUATION: the TrainingManager calibrates a classifier's probabilities on
// validation (out-of-fold) predictions (a Platt scaling of a binary model, a temperature
// scaling of a multiclass one when it lowers their log loss), turns the success criteria into a
// decision threshold chosen on those calibrated predictions, decides whether another iteration
// can help, and, when it stops, evaluates the chosen model once on the held-out test rows.
func (p *Pipeline) evaluateStage(ctx context.Context, r *run) (*outcome, error) {
	iter := iterationOf(r)
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	var st trainState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(iter)), &st); err != nil {
		return nil, err
	}
	var ev evalState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, evalKey), &ev); err != nil && !errors.Is(err, errNoState) {
		return nil, err
	}
	// A re-run of this stage replaces what an interrupted run of it left.
	ev.Iterations = slices.DeleteFunc(ev.Iterations, func(it iterationResult) bool { return it.Iteration >= iter })
	ev.Next, ev.Final = nil, nil

	out := &outcome{}
	val := validationScores(&st, &ds)
	cal := plattCalibration(ctx, val)
	if tempered, d := p.temperatureCalibration(val, "out-of-fold predictions", iter); d != nil {
		cal = tempered
		out.decide(*d)
	}
	if cal != nil {
		val = val.calibrated(cal)
	}
	thr, thrDecision, unreachable := p.chooseThreshold(val, an, &st, cal != nil)
	if thrDecision != nil {
		out.decide(*thrDecision)
	}
	val.threshold = thr
	var crit []criterionResult
	if len(val.y) > 0 {
		if crit, err = val.check(an.SuccessCriteria); err != nil {
			return nil, err
		}
	} else {
		out.logs = append(out.logs, "no validation predictions: the budget allowed only one unvalidated fit; the criteria are checked on the test rows only")
		unreachable = "the budget was too small for any validated candidate"
	}
	res := iterationResult{Iteration: iter, Score: st.Score, Threshold: thr, Calibration: cal, Criteria: crit}
	for _, c := range crit {
		if c.Met {
			res.Met++
		}
	}
	if len(ev.Iterations) > 0 {
		res.Change = fmt.Sprintf("iteration %d", iter)
	}
	ev.Iterations = append(ev.Iterations, res)

	next, d, err := p.decideIteration(ctx, iter, &st, &ds, an, crit, unreachable)
	if err != nil {
		return nil, err
	}
	out.decide(d)
	if next != nil {
		ev.Next = next
		if err := p.putJSON(ctx, stateKey(r.proj.ID, evalKey), &ev); err != nil {
			return nil, err
		}
		n := next.Iteration
		out.changes.Iteration = &n
		out.next = store.StageTraining
		out.message = fmt.Sprintf("iteration %d: %s", n, next.Change)
		return out, nil
	}

	// Stop: pick the iteration that meets the most criteria on validation, then scores best.
	m := st.metric()
	bestIt := ev.Iterations[0]
	for _, it := range ev.Iterations[1:] {
		if it.Met > bestIt.Met || (it.Met == bestIt.Met && m.Better(it.Score, bestIt.Score)) {
			bestIt = it
		}
	}
	chosen := &st
	if bestIt.Iteration != iter {
		var other trainState
		if err := p.getJSON(ctx, stateKey(r.proj.ID, trainKey(bestIt.Iteration)), &other); err != nil {
			return nil, err
		}
		chosen = &other
	}
	if len(ev.Iterations) > 1 {
		out.decide(p.iterationChoice(ev.Iterations, bestIt, m, len(st.OOFLabels)))
	}
	artKey := stateKey(r.proj.ID, trainModelKey(bestIt.Iteration))
	art, err := p.getArtifact(ctx, artKey)
	if err != nil {
		return nil, err
	}
	// The evaluated model carries its calibration, so the held-out metrics are those of the
	// probabilities it returns, and DEPLOYMENT finds it there. It is saved only when it changes,
	// not on every evaluation of an iteration already calibrated.
	if !sameCalibration(art.Calibration, bestIt.Calibration) {
		art.Calibration = bestIt.Calibration
		if err := p.putArtifact(ctx, artKey, art); err != nil {
			return nil, err
		}
	}
	fin, err := p.testEvaluation(ctx, r, art, &ds, an, chosen, bestIt.Threshold)
	if err != nil {
		return nil, err
	}
	ev.Final = fin
	if len(an.SuccessCriteria) > 0 && !fin.CriteriaMet {
		fin.Why = unmetWhy(fin.Criteria, unreachable)
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, evalKey), &ev); err != nil {
		return nil, err
	}
	pa := analysisProto(an)
	for i, c := range fin.Criteria {
		met, ach := c.Met, round3(c.Achieved)
		pa.SuccessCriteria[i].Met = &met
		pa.SuccessCriteria[i].Achieved = &ach
	}
	out.changes.Analysis = protoJSON(pa)
	out.logs = append(out.logs, "held-out test: "+metricLine(fin.Values))
	if fin.Why != "" {
		out.logs = append(out.logs, "success criteria not met: "+fin.Why)
	}
	out.next = store.StageDeployment
	out.message = "evaluated on held-out data: " + metricLine(fin.Values)
	return out, nil
}

// iterationChoice records the choice of the iteration kept among those evaluated, scored on
// metric m over rows validation rows: the kept one first, and as the confidence its
// lead over the closest of the others by the rule that ranked them (iterationLead).
func (p *Pipeline) iterationChoice(its []iterationResult, kept iterationResult, m metrics.Metric, rows int) decision.Decision {
	alts := []decision.Alternative{iterationAlt(kept)}
	conf := 1.0
	for _, it := range its {
		if it.Iteration != kept.Iteration {
			alts = append(alts, iterationAlt(it))
			conf = min(conf, iterationLead(kept, it, m, rows))
		}
	}
	return p.decided(typeModelChoice, fmt.Sprintf("keep iteration %d's model", kept.Iteration),
		fmt.Sprintf("Iterations are compared on validation data only (criteria met first, then %s), never on the test rows.", m.Name),
		alts, map[string]any{"metric": m.Name, "higher_is_better": m.HigherIsBetter}, conf)
}

// iterationAlt is an iteration as an alternative, scored by its validation metric.
func iterationAlt(it iterationResult) decision.Alternative {
	return alt(fmt.Sprintf("iteration %d", it.Iteration), it.Score, fmt.Sprintf("%d of %d criteria met on validation", it.Met, len(it.Criteria)))
}

// iterationLead is the chance that iteration a is the better of a and b as iterations are
// ranked, criteria met first. When they meet different numbers of criteria, each criterion a
// meets beyond b's moves it from a coin flip (0.5) toward certainty, reached when a meets every
// criterion and b none; else it is a's lead on m over rows validation rows (lead).
func iterationLead(a, b iterationResult, m metrics.Metric, rows int) float64 {
	if a.Met != b.Met {
		return clamp01(0.5 + float64(a.Met-b.Met)/float64(max(1, len(a.Criteria)))/2)
	}
	return lead(m, rows, a.Score, b.Score)
}

// validationScores returns the out-of-fold predictions of a training iteration.
func validationScores(st *trainState, ds *dataState) *scored {
	s := &scored{task: ds.Task, classes: st.Classes, y: st.OOFLabels, width: st.Width, threshold: 0.5, pos: 1}
	if st.Width <= 0 || len(st.OOF) != len(st.OOFLabels)*st.Width {
		s.y = nil // no out-of-fold predictions (no trial finished validation)
		return s
	}
	if ds.Task == automl.Regression {
		s.values = st.OOF
	} else {
		s.proba = st.OOF
		if ds.Task == automl.Binary {
			s.pos = s.classIndex(ds.PositiveClass, 1)
		}
	}
	return s
}

// chooseThreshold picks the decision threshold of a binary classifier on validation data from
// the criteria on the positive class (or the best F1 when F1 is what counts; without either,
// the most probable class, 0.5). calibrated says that val holds probabilities calibrated by
// plattCalibration. unreachable explains criteria no threshold can meet together.
func (p *Pipeline) chooseThreshold(val *scored, an *analyze.Analysis, st *trainState, calibrated bool) (float64, *decision.Decision, string) {
	if val.task != automl.Binary || len(val.y) == 0 {
		return 0.5, nil, ""
	}
	score, y := val.positiveScores()
	var recall, precision, f1 *analyze.SuccessCriterion
	for i := range an.SuccessCriteria {
		c := &an.SuccessCriteria[i]
		if !c.AtLeast || (c.ClassLabel != "" && val.classIndex(c.ClassLabel, val.pos) != val.pos) {
			continue
		}
		switch c.Metric {
		case "recall":
			recall = c
		case "precision":
			precision = c
		case "f1":
			f1 = c
		}
	}
	def := val.operatingPoint(0.5)
	maxF1, err := metrics.ThresholdMaxF1(y, score)
	if err != nil {
		return 0.5, nil, ""
	}
	var chosen metrics.Threshold
	var why, unreachable string
	switch {
	case recall != nil:
		chosen, err = metrics.ThresholdForRecall(y, score, recall.Threshold)
		why = fmt.Sprintf("the highest threshold that keeps validation recall ≥ %.3g (fewest false alarms at that recall)", recall.Threshold)
		if err == nil && precision != nil && chosen.Precision < precision.Threshold {
			unreachable = fmt.Sprintf("at recall ≥ %.3g the best precision on validation data is %.3f, below the %.3g asked for: no threshold meets both", recall.Threshold, chosen.Precision, precision.Threshold)
		}
	case precision != nil:
		chosen, err = metrics.ThresholdForPrecision(y, score, precision.Threshold)
		why = fmt.Sprintf("the lowest threshold with validation precision ≥ %.3g (most recall at that precision)", precision.Threshold)
		if err == nil && !chosen.Achieved {
			unreachable = fmt.Sprintf("no threshold reaches precision %.3g on validation data; the best is %.3f", precision.Threshold, chosen.Precision)
		}
	case f1 != nil || (len(an.Metrics) > 0 && an.Metrics[0] == "f1"):
		chosen = maxF1
		why = "the threshold with the best validation F1"
	default:
		chosen, why = def, "the most probable class (0.5): no criterion asks to trade precision for recall"
	}
	if calibrated {
		why += "; probabilities calibrated by Platt scaling on out-of-fold predictions, as the model returns them (a model chosen on " + st.Metric + " need not give calibrated probabilities)"
	}
	if err != nil {
		return 0.5, nil, ""
	}
	alts := []decision.Alternative{
		alt(fmt.Sprintf("%.4f", chosen.Threshold), chosen.F1, fmt.Sprintf("precision %.3f, recall %.3f (F1 score)", chosen.Precision, chosen.Recall)),
	}
	if chosen.Threshold != 0.5 {
		alts = append(alts, alt("0.5000", def.F1, fmt.Sprintf("precision %.3f, recall %.3f", def.Precision, def.Recall)))
	}
	if maxF1.Threshold != chosen.Threshold {
		alts = append(alts, alt(fmt.Sprintf("%.4f", maxF1.Threshold), maxF1.F1, fmt.Sprintf("best F1: precision %.3f, recall %.3f", maxF1.Precision, maxF1.Recall)))
	}
	positive := ""
	if val.pos < len(val.classes) {
		positive = val.classes[val.pos]
	}
	// The alternatives' F1 shows what each threshold gives up, but a criterion chose, so the
	// confidence says whether the criteria can hold, not how the F1 scores compare.
	reasoning, conf := "Chosen on out-of-fold validation predictions, never on the test rows: "+why+".", 0.8
	if unreachable != "" {
		reasoning += " " + strings.ToUpper(unreachable[:1]) + unreachable[1:] + "."
		conf = 0.3
	}
	d := p.decided(typeThreshold, fmt.Sprintf("predict %s when its probability ≥ %.4f", positive, chosen.Threshold), reasoning,
		alts, map[string]any{"positive_class": positive, "validation_rows": len(y), "chosen": chosen, "max_f1": maxF1, "iteration": st.Iteration}, conf)
	return chosen.Threshold, &d, unreachable
}

// calibrationL2 is the penalty on the slope of plattCalibration's logistic fit: too small to
// move a calibration the validation rows support, it keeps the slope finite when the scores
// separate the classes perfectly.
const calibrationL2 = 1e-6

// plattCalibration fits Platt scaling on the out-of-fold predictions of a binary classifier: the
// logistic regression of "the row is Classes[1]" on the log-odds of its predicted probability,
// P(Classes[1] | p) = σ(A·logit(p) + B). A search ranked by a threshold-free metric (AUC) may
// pick a model whose probabilities are not calibrated — a strongly regularized logistic
// regression squeezes them toward the base rate, naive Bayes skews them, a blend mixes both —
// so that a row labeled with a class may show a probability below ½ for it; a calibrated model
// gets about A = 1, B = 0. nil when the task is not binary, there are no validation rows, the
// fit fails or the scores do not rise with Classes[1] (no positive slope).
func plattCalibration(ctx context.Context, val *scored) *model.Calibration {
	if val.task != automl.Binary || len(val.y) == 0 {
		return nil
	}
	logit := make([]float64, len(val.y))
	y := make([]float64, len(val.y))
	for i, c := range val.y {
		logit[i] = model.LogOdds(val.proba[i*val.width+1])
		if c == 1 {
			y[i] = 1
		}
	}
	m, err := linear.Fit(ctx, [][]float64{logit}, y, nil, linear.Params{Task: linear.Binary, L2: calibrationL2})
	if err != nil {
		return nil
	}
	if !(m.Coefficients[0][0] > 0) {
		return nil
	}
	return &model.Calibration{A: m.Coefficients[0][0], B: m.Intercepts[0]}
}

// sameCalibration reports whether a and b calibrate alike: both nil, or equal by value (the
// artifact's and the iteration's calibrations are decoded separately, so never the same pointer).
func sameCalibration(a, b *model.Calibration) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// calibrated returns a copy of s, a classifier's predictions, with the probabilities
// calibrated by c as the model calibrates them.
func (s *scored) calibrated(c *model.Calibration) *scored {
	at := *s
	at.proba = slices.Clone(s.proba)
	for i := 0; i+s.width <= len(at.proba); i += s.width {
		c.Calibrate(at.proba[i : i+s.width])
	}
	return &at
}

// operatingPoint is what labeling the positive class when its probability is at least thr
// achieves on s.
func (s *scored) operatingPoint(thr float64) metrics.Threshold {
	at := *s
	at.threshold = thr
	t := metrics.Threshold{Threshold: thr}
	cs, err := at.check([]analyze.SuccessCriterion{{Metric: "precision", AtLeast: true}, {Metric: "recall", AtLeast: true}})
	if err != nil {
		return t
	}
	t.Precision, t.Recall = cs[0].Achieved, cs[1].Achieved
	if t.Precision+t.Recall > 0 {
		t.F1 = 2 * t.Precision * t.Recall / (t.Precision + t.Recall)
	}
	return t
}

// testEvaluation scores the chosen model once on the held-out test rows.
func (p *Pipeline) testEvaluation(ctx context.Context, r *run, art *model.Artifact, ds *dataState, an *analyze.Analysis, st *trainState, thr float64) (*finalEval, error) {
	f, err := p.loadFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	test := f.Take(ds.Test)
	pred, err := model.NewPredictor(art)
	if err != nil {
		return nil, err
	}
	b, err := pred.PredictFrame(ctx, test)
	if err != nil {
		return nil, fmt.Errorf("predict test rows: %w", err)
	}
	s := &scored{task: ds.Task, classes: art.Classes, width: b.Width, threshold: thr, pos: 1}
	target := test.Col(ds.Target)
	s.y = make([]float64, test.NRows())
	if ds.Task == automl.Regression {
		copy(s.y, target.Num)
		s.values = b.Values
	} else {
		idx := map[string]int{}
		for i, c := range art.Classes {
			idx[c] = i
		}
		keep := make([]int, 0, test.NRows())
		for i := range s.y {
			k, ok := idx[target.Value(i)]
			if !ok {
				continue // a class never seen in training cannot be scored
			}
			s.y[len(keep)] = float64(k)
			keep = append(keep, i)
		}
		s.y = s.y[:len(keep)]
		s.proba = make([]float64, 0, len(keep)*b.Width)
		for _, i := range keep {
			s.proba = append(s.proba, b.Probabilities[i*b.Width:(i+1)*b.Width]...)
		}
		if ds.Task == automl.Binary {
			s.pos = s.classIndex(ds.PositiveClass, 1)
		}
	}
	fin, err := s.testEval(st, an.SuccessCriteria)
	if err != nil {
		return nil, err
	}
	fin.Threshold, fin.HasThresh = thr, ds.Task == automl.Binary
	return fin, nil
}

// testEval evaluates s, a model's predictions of the held-out test rows, as the project's
// final evaluation: the summary, the metrics reported for the task, the project's metric and
// the success criteria. The engine's model (testEvaluation) and an AutoML challenger
// (scoreEndpoint) both go through it, so DEPLOYMENT compares the two on the same measures.
func (s *scored) testEval(st *trainState, criteria []analyze.SuccessCriterion) (*finalEval, error) {
	var ps metrics.Predictions
	if s.task == automl.Regression {
		ps.Values = s.values
	} else {
		ps.Values, ps.Proba = s.predicted(), s.probaRows()
	}
	sum, err := metrics.Summarize(s.task, s.y, ps)
	if err != nil {
		return nil, fmt.Errorf("test metrics: %w", err)
	}
	fin := &finalEval{Iteration: st.Iteration, Positive: s.pos, Summary: sum, TestRows: len(s.y), Values: s.testValues(ps, st.Metric)}
	if fin.Criteria, err = s.check(criteria); err != nil {
		return nil, err
	}
	fin.CriteriaMet = true
	for _, c := range fin.Criteria {
		fin.CriteriaMet = fin.CriteriaMet && c.Met
	}
	return fin, nil
}

// testValues computes the metrics reported for the task and the project's metric, by
// canonical name, on predictions ps of s. A binary model's f1, precision and recall are
// those of its positive class (s.value), which need not be class 1 as metrics assumes. A
// metric that cannot be computed on these rows is left out rather than reported as a number.
func (s *scored) testValues(ps metrics.Predictions, projectMetric string) map[string]float64 {
	names := []string{"rmse", "mae", "r2", projectMetric}
	if s.task != automl.Regression {
		names = []string{"accuracy", "balanced_accuracy", "f1", "f1_macro", "precision", "recall", "logloss", "auc", "pr_auc", projectMetric}
	}
	values := make(map[string]float64, len(names))
	for _, n := range names {
		m, err := metrics.Lookup(n)
		if err != nil {
			continue
		}
		var v float64
		if s.task == automl.Binary && (n == "f1" || n == "precision" || n == "recall") {
			v, err = s.value(analyze.SuccessCriterion{Metric: n})
		} else {
			v, err = m.Compute(s.y, ps)
		}
		if err == nil && !math.IsNaN(v) {
			values[m.Name] = v
		}
	}
	return values
}

// unmetWhy explains the criteria the test rows did not meet.
func unmetWhy(cs []criterionResult, unreachable string) string {
	var parts []string
	for _, c := range cs {
		if !c.Met {
			parts = append(parts, fmt.Sprintf("%s reached %.3f on the held-out test rows", describeCriterion(c.SuccessCriterion), c.Achieved))
		}
	}
	s := strings.Join(parts, "; ")
	if unreachable != "" {
		s += " (" + unreachable + ")"
	}
	return s
}

// metricLine formats metrics for a log line.
func metricLine(v map[string]float64) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.4f", k, v[k]))
	}
	return strings.Join(parts, ", ")
}
