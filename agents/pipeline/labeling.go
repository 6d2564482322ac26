package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/split"
)

// Labeling limits.
const (
	// minSemiLabeled is the fewest rows with a real label that self-training starts from.
	minSemiLabeled = 20
	// minClassLabeled is the fewest real labels per class for self-training (a stratified test
	// split must leave some of each class to learn from).
	minClassLabeled = 4
	// minTestRows is the smallest held-out test set the labeling split makes.
	minTestRows = 8
)

// labelStage is LABELING, reached when most rows have no target. The Labeler completes the
// labels from what there is, and never invents any:
//   - with enough given labels, self-training (or label propagation, whichever validates
//     better) pseudo-labels the rows it is confident about; the test split holds only rows
//     with a real label;
//   - otherwise a reasoner that can label (a language model) labels a sample in batches, with
//     its agreement with the given labels and with itself measured;
//   - otherwise it proposes clusters and stops in AWAITING_APPROVAL with a labeling task; the
//     owner names clusters or labels rows (ApproveProject) and the stage runs again with them.
func (p *Pipeline) labelStage(ctx context.Context, r *run) (*outcome, error) {
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	f, err := p.loadDataFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	target := f.Col(ds.Target)
	if target == nil {
		return nil, fmt.Errorf("target column %q is not in the data", ds.Target)
	}
	out := &outcome{next: store.StageModelSelection}
	ls := newLabelSet(target)
	task := storedTask(r.proj.LabelingTask)
	answered := task != nil && task.GetState() == trainyardv1.LabelingTaskState_LABELING_TASK_STATE_ANSWERED
	if answered {
		if err := p.applyOwnerLabels(ctx, r, out, ls, task); err != nil {
			return nil, err
		}
	}
	if an.ProblemType == analyze.Regression {
		return p.labelRegression(ctx, r, out, &ds, f, ls)
	}
	truth := ls.rows(sourceGiven, sourceOwner)
	counts := classCounts(ls, truth)
	named := ls.rows(sourceCluster)
	semiOK := len(truth) >= minSemiLabeled && len(counts) >= 2 && minCount(counts) >= minClassLabeled
	canLabel := p.canLabel()
	strategy := p.decideStrategy(out, &ds, len(truth), counts, len(named), semiOK, canLabel, answered)
	r.progress(0.1, -1, "labeling: "+strategy, true)

	var test []int
	switch strategy {
	case strategyNamed:
		pool := truth
		if !(len(truth) >= minSemiLabeled && len(counts) >= 2) {
			pool = append(slices.Clone(truth), named...)
		}
		if test, err = p.splitLabeled(out, &ds, ls, pool, len(pool) == len(truth)); err != nil {
			return nil, err
		}
	case strategySemi:
		if test, err = p.splitLabeled(out, &ds, ls, truth, true); err != nil {
			return nil, err
		}
		if err := p.selfLabel(ctx, r, out, &ds, f, ls, test); err != nil {
			return nil, err
		}
	case strategyLLM:
		ok, err := p.llmLabel(ctx, r, out, &ds, f, an, ls)
		if err != nil {
			return nil, err
		}
		if !ok {
			return p.askOwner(ctx, r, out, &ds, f, ls, "the language model could not label the rows")
		}
		pool := truth
		if len(truth) < minSemiLabeled || len(counts) < 2 {
			pool = ls.rows(sourceGiven, sourceOwner, sourceLLM)
		}
		if test, err = p.splitLabeled(out, &ds, ls, pool, len(pool) == len(truth)); err != nil {
			return nil, err
		}
	default:
		why := "too few labels to learn from and no reasoner that can label"
		if answered {
			why = "the labels given are not enough to train on: " + strings.Join(enoughHint(len(truth), counts), "; ")
		}
		return p.askOwner(ctx, r, out, &ds, f, ls, why)
	}
	return p.finishLabels(ctx, r, out, &ds, ls, test)
}

// The labeling strategies.
const (
	strategySemi  = "self-training"
	strategyLLM   = "language-model labeling"
	strategyAsk   = "ask the owner"
	strategyNamed = "owner-named clusters"
)

// decideStrategy records how the labels are completed, with the alternatives and what they
// rest on, and returns the chosen strategy.
func (p *Pipeline) decideStrategy(out *outcome, ds *dataState, truth int, counts map[string]int, named int, semiOK, canLabel, answered bool) string {
	ev := map[string]any{"rows": ds.Rows, "labeled_rows": truth, "class_counts": counts, "owner_named_rows": named,
		"min_labeled_rows": minSemiLabeled, "min_per_class": minClassLabeled, "reasoner": p.reasoner.Name(), "reasoner_can_label": canLabel}
	semiScore := 0.1
	if semiOK {
		semiScore = 0.9
	}
	llmScore := 0.0
	if canLabel {
		llmScore = 0.7
	}
	askScore := 0.5
	namedScore := 0.0
	if named > 0 {
		namedScore = 1
	}
	alts := []decision.Alternative{
		alt(strategyNamed, namedScore, "apply the names the owner gave to clusters"),
		alt(strategySemi, semiScore, fmt.Sprintf("pseudo-label from %d real labels; needs %d with %d per class", truth, minSemiLabeled, minClassLabeled)),
		alt(strategyLLM, llmScore, "label a sample with the configured language model ("+p.reasoner.Name()+")"),
		alt(strategyAsk, askScore, "propose clusters and ask the owner to name them or label rows"),
	}
	sort.SliceStable(alts, func(a, b int) bool { return *alts[a].Score > *alts[b].Score })
	chosen := alts[0].Option
	var why string
	switch chosen {
	case strategyNamed:
		why = fmt.Sprintf("The owner named clusters covering %d rows; those names become the labels of their rows (rows labeled one by one keep their own label).", named)
	case strategySemi:
		why = fmt.Sprintf("%d rows carry a real label (%s), enough to pseudo-label the rest where a model trained on them is confident; the test set is drawn from real labels only.", truth, countText(counts))
	case strategyLLM:
		why = fmt.Sprintf("Only %d rows carry a label (%s), too few to learn from alone; the configured reasoner %s can label a sample, and its agreement with the given labels and with itself is measured.", truth, countText(counts), p.reasoner.Name())
	default:
		why = fmt.Sprintf("Only %d rows carry a label and the reasoner (%s) cannot label data, so no label is invented: the rows are grouped into clusters for the owner to name.", truth, p.reasoner.Name())
		if answered {
			why = fmt.Sprintf("The owner's answer leaves %d rows with a real label (%s): not enough to train on, so the owner is asked again.", truth, countText(counts))
		}
	}
	out.decide(p.ruled(typeLabeling, "complete the labels by "+chosen, why, alts, ev))
	return chosen
}

// splitLabeled draws the test set from pool (rows with a label) stratified by class, and keeps
// those rows out of every labeling step that learns. real says whether pool holds only real
// labels (given or labeled by the owner row by row).
func (p *Pipeline) splitLabeled(out *outcome, ds *dataState, ls *labelSet, pool []int, real bool) ([]int, error) {
	pool = slices.Clone(pool)
	slices.Sort(pool)
	codes := map[string]float64{}
	y := make([]float64, len(pool))
	for i, row := range pool {
		v := ls.Values[row]
		if _, ok := codes[v]; !ok {
			codes[v] = float64(len(codes))
		}
		y[i] = codes[v]
	}
	share := labelTestShare(len(pool))
	h, err := split.StratifiedHoldout(y, split.Fractions{Test: share}, p.opts.Seed)
	if err != nil || len(h.Test) == 0 {
		return nil, userErrorf([]string{"Label more rows (at least a few dozen, with every class represented)"},
			"the %d labeled rows cannot be split into training and test sets: %v", len(pool), err)
	}
	test := gatherRows(pool, h.Test)
	slices.Sort(test)
	source := "rows with a real label (given in the data or labeled by the owner)"
	if !real {
		source = "labeled rows, including labels that did not come with the data (too few real ones to test on)"
	}
	scheme := fmt.Sprintf("random %.0f%% of the %s as the test set, stratified by class", 100*share, source)
	ds.SplitScheme = scheme + "; validation by 5-fold cross-validation on the training rows"
	ds.Preprocessing = append(ds.Preprocessing, "split: "+ds.SplitScheme)
	alts := []decision.Alternative{
		alt("test on real labels only", boolScore(real, 0.9, 0.3), "honest: pseudo- or model-made labels can be wrong"),
		alt("test on all labels", boolScore(real, 0.3, 0.7), "more test rows, but they measure agreement with made labels"),
	}
	if !real {
		alts[0], alts[1] = alts[1], alts[0] // the choice first, so the confidence is the choice's
	}
	realTest := 0
	for _, row := range test {
		if s := ls.Source[row]; s == sourceGiven || s == sourceOwner {
			realTest++
		}
	}
	why := "The test set is held out before labeling: self-training, model selection and the decision threshold never see its labels, so its metrics are an honest estimate. With few labels a larger share is held out, so the estimate rests on enough rows."
	if w := testLabelWarning(realTest, len(test)); w != "" {
		ds.Preprocessing = append(ds.Preprocessing, reportWarningPrefix+w)
		why = "The test set is held out before labeling: self-training, model selection and the decision threshold never see its labels. Caution: " + w + "."
	}
	out.decide(p.ruled(typeSplit, fmt.Sprintf("%d test rows from %d labeled rows (%s)", len(test), len(pool), scheme),
		why, alts, map[string]any{"pool_rows": len(pool), "test_rows": len(test), "test_share": share, "real_labels_only": real, "real_test_rows": realTest}))
	return test, nil
}

// noisyTestRows is the number of real test labels below which held-out figures are flagged as noisy.
const noisyTestRows = 50

// testLabelWarning says, for a test set of n rows of which real carry a real label, whether its
// metrics measure agreement with made labels or rest on too few rows; "" when neither.
func testLabelWarning(real, n int) string {
	var parts []string
	if real < n {
		parts = append(parts, fmt.Sprintf("only %d of the %d held-out test rows carry a real label; the other %d were labeled by the owner's cluster names or by a language model, so the held-out metrics measure agreement with those labels, not with the truth", real, n, n-real))
	}
	if real < noisyTestRows {
		parts = append(parts, fmt.Sprintf("with %d real test labels one row moves accuracy by %.1f points, so the held-out figures are noisy", real, 100/float64(max(1, real))))
	}
	return strings.Join(parts, "; ")
}

// labelTestShare is the test share for n labeled rows: larger for few rows.
func labelTestShare(n int) float64 {
	switch {
	case n < 100:
		return max(0.4, min(0.5, float64(minTestRows)/float64(max(1, n))))
	case n < 500:
		return 0.3
	}
	return testShare
}

// finishLabels stores the labels and the split, with the training rows being every labeled
// row outside the test set, and decides class weighting on the final labels.
func (p *Pipeline) finishLabels(ctx context.Context, r *run, out *outcome, ds *dataState, ls *labelSet, test []int) (*outcome, error) {
	inTest := map[int]bool{}
	for _, i := range test {
		inTest[i] = true
	}
	var train []int
	for i, s := range ls.Source {
		if s != sourceNone && !inTest[i] {
			train = append(train, i)
		}
	}
	counts := classCounts(ls, append(slices.Clone(train), test...))
	if len(counts) < 2 {
		return nil, userErrorf([]string{"Label rows of at least two different classes"},
			"the labels name a single class (%s); a classifier needs at least two", countText(counts))
	}
	if len(train) < minLabeledRows/2 {
		return nil, userErrorf([]string{fmt.Sprintf("Label more rows: at least %d", minLabeledRows)},
			"only %d labeled rows are left to train on after holding out %d for testing", len(train), len(test))
	}
	ds.Train, ds.Test = train, test
	ds.Task = automl.Binary
	if len(counts) > 2 {
		ds.Task = automl.Multiclass
	}
	if ds.PositiveClass != "" && counts[ds.PositiveClass] == 0 {
		ds.PositiveClass = ""
	}
	total, least := 0, -1
	for _, n := range counts {
		total += n
		if least < 0 || n < least {
			least = n
		}
	}
	ds.MinorityShare = float64(least) / float64(total)
	ds.Balance = ds.MinorityShare < 0.1
	bySource := ls.count()
	note := fmt.Sprintf("labels: %d given", bySource[sourceGiven])
	for _, s := range []string{sourceOwner, sourceCluster, sourcePseudo, sourceLLM} {
		if bySource[s] > 0 {
			note += fmt.Sprintf(", %d %s", bySource[s], sourceWords(s))
		}
	}
	if left := ds.Rows - len(train) - len(test); left > 0 {
		note += fmt.Sprintf("; %d rows stay unlabeled and are left out", left)
	}
	ds.Preprocessing = append(ds.Preprocessing, note)
	if err := p.putLabels(ctx, r.proj.ID, ds.Target, ls); err != nil {
		return nil, err
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, dataKey), ds); err != nil {
		return nil, err
	}
	out.message = fmt.Sprintf("labels ready: %d train and %d test rows (%s)", len(train), len(test), note)
	out.logs = append(out.logs, out.message)
	return out, nil
}

// labelRegression handles a numeric target with few values: pseudo-labels are not made for
// numbers, so the labeled rows alone are used when there are enough.
func (p *Pipeline) labelRegression(ctx context.Context, r *run, out *outcome, ds *dataState, f *frame.Frame, ls *labelSet) (*outcome, error) {
	truth := ls.rows(sourceGiven, sourceOwner)
	if len(truth) < minLabeledRows {
		return nil, &UserError{
			Message: fmt.Sprintf("only %d of %d rows have a value in the target column %q; a numeric target cannot be completed automatically and at least %d values are needed",
				len(truth), ds.Rows, ds.Target, minLabeledRows),
			Suggestions: []string{fmt.Sprintf("Fill in %q for more rows and upload the data again", ds.Target), "Or upload only the rows with a value"},
			Evidence:    map[string]any{"labeled_rows": len(truth), "rows": ds.Rows},
		}
	}
	out.decide(p.ruled(typeLabeling, fmt.Sprintf("train on the %d rows with a value; leave %d rows out", len(truth), ds.Rows-len(truth)),
		"The target is a number: self-training and clustering make classes, not values, so the rows without a value are left out rather than filled with guesses.",
		[]decision.Alternative{alt("labeled rows only", 0.8, "no invented values"), alt("impute the target", 0.1, "would train on guesses")},
		map[string]any{"labeled_rows": len(truth), "rows": ds.Rows}))
	target := f.Col(ds.Target)
	if err := p.decideSplit(out, ds, f, target, truth, &analyze.Analysis{ProblemType: analyze.Regression}); err != nil {
		return nil, err
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, dataKey), ds); err != nil {
		return nil, err
	}
	out.message = fmt.Sprintf("labels ready: %d train and %d test rows", len(ds.Train), len(ds.Test))
	return out, nil
}

// classCounts counts the labels of rows.
func classCounts(ls *labelSet, rows []int) map[string]int {
	out := map[string]int{}
	for _, i := range rows {
		out[ls.Values[i]]++
	}
	return out
}

// minCount is the smallest count.
func minCount(counts map[string]int) int {
	m := -1
	for _, n := range counts {
		if m < 0 || n < m {
			m = n
		}
	}
	return max(m, 0)
}

// countText writes class counts as "a: 3, b: 5".
func countText(counts map[string]int) string {
	if len(counts) == 0 {
		return "no classes"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

// enoughHint says what more labels would make self-training possible.
func enoughHint(truth int, counts map[string]int) []string {
	var out []string
	if truth < minSemiLabeled {
		out = append(out, fmt.Sprintf("%d rows are labeled, at least %d are needed", truth, minSemiLabeled))
	}
	if len(counts) < 2 {
		out = append(out, "the labels name fewer than two classes")
	} else if minCount(counts) < minClassLabeled {
		out = append(out, fmt.Sprintf("every class needs at least %d labeled rows (%s)", minClassLabeled, countText(counts)))
	}
	return out
}

// sourceWords names a label source in the report.
func sourceWords(s string) string {
	switch s {
	case sourceOwner:
		return "labeled by the owner"
	case sourceCluster:
		return "from owner-named clusters"
	case sourcePseudo:
		return "pseudo-labeled"
	case sourceLLM:
		return "labeled by the language model"
	}
	return s
}

func boolScore(b bool, yes, no float64) float64 {
	if b {
		return yes
	}
	return no
}
