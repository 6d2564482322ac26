package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/cluster"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/split"
	"github.com/trainyard/trainyard/ml/text"
)

// Self-training settings.
const (
	// pseudoThreshold is the lowest probability that becomes a pseudo-label.
	pseudoThreshold = 0.8
	// propagateMaxRows and propagateMaxCols bound label propagation (it costs O(n²) distances
	// over dense rows).
	propagateMaxRows = 3000
	propagateMaxCols = 300
	// semiValidateRows: larger data is validated on a sample of this many rows.
	semiValidateRows = 4000
	// semiValidateRounds bounds the self-training rounds in validation.
	semiValidateRounds = 5
	// semiFolds is how many folds validate the pseudo-labelers on the real labels.
	semiFolds = 5
	// pseudoSlack: pseudo-labels are used when their validated accuracy is at most this much
	// below the labeled-only model's.
	pseudoSlack = 0.02
)

// semiMethod is one way of completing labels, as validated on the real labels.
type semiMethod struct {
	Name string `json:"name"`
	// Accuracy and BalancedAccuracy (the mean recall over classes) are over the hidden rows
	// the method labels; Coverage is their share. Methods are compared on BalancedAccuracy, so
	// one that labels only the majority class does not win.
	Accuracy         float64 `json:"accuracy"`
	BalancedAccuracy float64 `json:"balanced_accuracy"`
	Coverage         float64 `json:"coverage"`
	Note             string  `json:"note,omitempty"`
}

// selfLabel pseudo-labels the rows without a label from the training rows' real labels, by
// self-training (logistic regression, confident predictions become labels, round after round)
// or label propagation over a nearest-neighbour graph, whichever labels hidden real labels
// more accurately in cross-validation; when neither beats the real labels alone, no
// pseudo-label is used. The test rows take no part.
func (p *Pipeline) selfLabel(ctx context.Context, r *run, out *outcome, ds *dataState, f *frame.Frame, ls *labelSet, test []int) error {
	feats, err := buildLabelFeatures(f, ds)
	if err != nil {
		return err
	}
	inTest := map[int]bool{}
	for _, i := range test {
		inTest[i] = true
	}
	var rows []int // every row but the test rows
	for i := range f.NRows() {
		if !inTest[i] {
			rows = append(rows, i)
		}
	}
	classes := classList(ls, rows)
	code := map[string]int{}
	for k, c := range classes {
		code[c] = k
	}
	y := make([]int, len(rows))
	for j, i := range rows {
		y[j] = cluster.Unlabeled
		if ls.Source[i] == sourceGiven || ls.Source[i] == sourceOwner {
			y[j] = code[ls.Values[i]]
		}
	}
	x := feats.X.SelectRows(rows)
	propagateOK := len(rows) <= propagateMaxRows && x.Cols <= propagateMaxCols
	r.progress(0.3, -1, "validating pseudo-labelers on the real labels", true)
	vx, vy := x, y
	if len(rows) > semiValidateRows {
		// The pseudo-labelers are compared on a sample of large data; the chosen one then
		// runs on every row.
		pick := validationSample(y, semiValidateRows, p.opts.Seed)
		vx, vy = x.SelectRows(pick), make([]int, len(pick))
		for j, i := range pick {
			vy[j] = y[i]
		}
	}
	methods, err := validateSemi(ctx, vx, vy, len(classes), propagateOK, p.opts.Seed)
	if err != nil {
		return err
	}
	best := methods[0] // labeled only
	for _, m := range methods[1:] {
		if m.Coverage > 0 && m.BalancedAccuracy >= methods[0].BalancedAccuracy-pseudoSlack && (best == methods[0] || m.BalancedAccuracy > best.BalancedAccuracy) {
			best = m
		}
	}
	var done *cluster.Completed
	switch best.Name {
	case strategySemi:
		done, err = cluster.SelfTrain(ctx, x, y, len(classes), cluster.SelfParams{Threshold: pseudoThreshold, C: 1, Balanced: true})
	case "label propagation":
		done, err = cluster.Propagate(x, y, len(classes), cluster.PropagateParams{Threshold: pseudoThreshold, Balanced: true})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", best.Name, err)
	}
	ev := map[string]any{"labeled_rows": countReal(y), "unlabeled_rows": len(y) - countReal(y), "test_rows_excluded": len(test),
		"features": len(feats.Names) + len(feats.Terms), "inputs": feats.Inputs, "threshold": pseudoThreshold, "validation_folds": semiFolds, "methods": methods}
	alts := make([]decision.Alternative, 0, len(methods))
	for _, m := range methods {
		note := fmt.Sprintf("cross-validated balanced accuracy %.3f (accuracy %.3f) on hidden real labels, labels %.0f%% of them", m.BalancedAccuracy, m.Accuracy, 100*m.Coverage)
		if m.Note != "" {
			note = m.Note
		}
		a := alt(m.Name, m.BalancedAccuracy, note)
		if m.Coverage == 0 {
			a.Score = nil // it labeled no hidden row (or did not run): no accuracy was measured
		}
		alts = append(alts, a)
	}
	slices.SortStableFunc(alts, func(a, b decision.Alternative) int {
		if a.Option == best.Name {
			return -1
		}
		if b.Option == best.Name {
			return 1
		}
		return 0
	})
	// The methods were validated on the real labels of vy, each hidden once.
	ba, err := metrics.Lookup("balanced_accuracy")
	if err != nil {
		return err
	}
	if done == nil {
		out.decide(p.measured(typeLabeling, fmt.Sprintf("no pseudo-labels: train on the %d real labels only", countReal(y)),
			fmt.Sprintf("Pseudo-labels were checked by hiding real labels in %d folds: none of the methods labeled them as well as a model on the real labels alone (balanced accuracy %.3f), so adding them would add noise.", semiFolds, methods[0].BalancedAccuracy),
			ba, countReal(vy), alts, ev))
		return nil
	}
	rep := done.Report
	pseudoCounts := map[string]int{}
	for j, i := range rows {
		if done.Pseudo[j] {
			ls.set(i, classes[done.Labels[j]], sourcePseudo)
			pseudoCounts[classes[done.Labels[j]]]++
		}
	}
	ev["pseudo_labels"] = rep.Pseudo
	ev["pseudo_share"] = round3(rep.PseudoShare)
	ev["mean_confidence"] = round3(rep.MeanConfidence)
	ev["min_confidence"] = round3(rep.MinConfidence)
	ev["unresolved_rows"] = rep.Unresolved
	ev["rounds"] = rep.Rounds
	ev["pseudo_class_counts"] = pseudoCounts
	ev["validated_balanced_accuracy"] = best.BalancedAccuracy
	out.decide(p.measured(typeLabeling, fmt.Sprintf("%s: %d pseudo-labels (%.0f%% of the training labels), mean confidence %.2f", best.Name, rep.Pseudo, 100*rep.PseudoShare, rep.MeanConfidence),
		fmt.Sprintf("Hiding real labels in %d folds, %s labeled them with balanced accuracy %.3f against %.3f for a model on the real labels alone. Rows predicted with probability at least %.2f became pseudo-labels (lowest %.2f); %d rows stayed below it and are left out. The pseudo-labels are marked as such and the test set holds real labels only.",
			semiFolds, best.Name, best.BalancedAccuracy, methods[0].BalancedAccuracy, pseudoThreshold, rep.MinConfidence, rep.Unresolved),
		ba, countReal(vy), alts, ev))
	return nil
}

// validateSemi scores, by hiding the real labels of one fold at a time: the real labels alone
// (logistic regression on the rest), self-training and label propagation. Accuracy is over
// the hidden rows a method labels; coverage is their share.
func validateSemi(ctx context.Context, x *text.CSR, y []int, k int, propagate bool, seed uint64) ([]*semiMethod, error) {
	var real []int
	var ry []float64
	for i, l := range y {
		if l != cluster.Unlabeled {
			real = append(real, i)
			ry = append(ry, float64(l))
		}
	}
	folds, err := split.StratifiedKFold(ry, min(semiFolds, minClassCount(ry)), seed)
	if err != nil {
		return nil, fmt.Errorf("validation folds: %w", err)
	}
	methods := []*semiMethod{{Name: "real labels only"}, {Name: strategySemi}, {Name: "label propagation"}}
	if !propagate {
		methods[2].Note = fmt.Sprintf("not run: it costs O(n²) and the data has %d rows × %d features (limits %d × %d)", x.Rows, x.Cols, propagateMaxRows, propagateMaxCols)
	}
	hits := make([][]int, len(methods)) // by method, true class
	labeled := make([][]int, len(methods))
	for m := range methods {
		hits[m], labeled[m] = make([]int, k), make([]int, k)
	}
	total := 0
	for _, fold := range folds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		yy := slices.Clone(y)
		var hidden, trainRows, trainY []int
		for _, j := range fold.Valid {
			yy[real[j]] = cluster.Unlabeled
			hidden = append(hidden, real[j])
		}
		for _, j := range fold.Train {
			trainRows = append(trainRows, real[j])
			trainY = append(trainY, y[real[j]])
		}
		total += len(hidden)
		if m, err := text.FitLogistic(ctx, x.SelectRows(trainRows), trainY, k, text.LogisticParams{C: 1}); err == nil {
			for j, pr := range m.PredictProba(x.SelectRows(hidden)) {
				labeled[0][y[hidden[j]]]++
				if argmax(pr) == y[hidden[j]] {
					hits[0][y[hidden[j]]]++
				}
			}
		}
		score := func(m int, c *cluster.Completed) {
			for _, i := range hidden {
				if c.Pseudo[i] {
					labeled[m][y[i]]++
					if c.Labels[i] == y[i] {
						hits[m][y[i]]++
					}
				}
			}
		}
		if c, err := cluster.SelfTrain(ctx, x, yy, k, cluster.SelfParams{Threshold: pseudoThreshold, C: 1, Balanced: true, MaxRounds: semiValidateRounds}); err == nil {
			score(1, c)
		}
		if propagate {
			if c, err := cluster.Propagate(x, yy, k, cluster.PropagateParams{Threshold: pseudoThreshold, Balanced: true}); err == nil {
				score(2, c)
			}
		}
	}
	for m, sm := range methods {
		var h, l, recall float64
		for c := range k {
			h += float64(hits[m][c])
			l += float64(labeled[m][c])
			if labeled[m][c] > 0 {
				recall += float64(hits[m][c]) / float64(labeled[m][c])
			}
		}
		if l > 0 {
			sm.Accuracy = round3(h / l)
			sm.BalancedAccuracy = round3(recall / float64(k))
		}
		sm.Coverage = round3(l / float64(max(1, total)))
	}
	return methods, nil
}

// validationSample picks n positions of y: labeled ones first (at most half of n), then
// unlabeled ones, each drawn at random.
func validationSample(y []int, n int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 17))
	var lab, unl []int
	for j, l := range y {
		if l == cluster.Unlabeled {
			unl = append(unl, j)
		} else {
			lab = append(lab, j)
		}
	}
	rng.Shuffle(len(lab), func(a, b int) { lab[a], lab[b] = lab[b], lab[a] })
	rng.Shuffle(len(unl), func(a, b int) { unl[a], unl[b] = unl[b], unl[a] })
	lab = lab[:min(len(lab), n/2)]
	pick := append(lab, unl[:min(len(unl), n-len(lab))]...)
	slices.Sort(pick)
	return pick
}

// classList returns the distinct labels of rows, sorted.
func classList(ls *labelSet, rows []int) []string {
	var out []string
	for _, i := range rows {
		if ls.Source[i] != sourceNone && !slices.Contains(out, ls.Values[i]) {
			out = append(out, ls.Values[i])
		}
	}
	slices.Sort(out)
	return out
}

// countReal counts labeled entries.
func countReal(y []int) int {
	n := 0
	for _, l := range y {
		if l != cluster.Unlabeled {
			n++
		}
	}
	return n
}

// minClassCount is the count of the rarest class code.
func minClassCount(y []float64) int {
	counts := map[float64]int{}
	for _, v := range y {
		counts[v]++
	}
	m := math.MaxInt
	for _, n := range counts {
		m = min(m, n)
	}
	return m
}

// argmax is the index of the largest value.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
