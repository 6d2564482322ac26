package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// step is the cumulative count of positives and negatives scored at or
// above one distinct score, walking scores from high to low.
type step struct {
	threshold float64
	tp, fp    int
}

// steps sorts rows by descending score and returns one step per distinct
// score, together with the totals of positives and negatives. Ties form one
// step, so their order does not matter.
func steps(y, score []float64) (st []step, pos, neg int) {
	idx := make([]int, len(y))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	tp, fp := 0, 0
	for n, i := range idx {
		if y[i] == 1 {
			tp++
		} else {
			fp++
		}
		if n+1 == len(idx) || score[idx[n+1]] != score[i] {
			st = append(st, step{score[i], tp, fp})
		}
	}
	return st, tp, fp
}

// ROCPoint is one point of a ROC curve: predicting class 1 for scores >=
// Threshold gives these false and true positive rates.
type ROCPoint struct {
	Threshold float64 `json:"threshold"`
	FPR       float64 `json:"fpr"`
	TPR       float64 `json:"tpr"`
}

// PRPoint is one point of a precision-recall curve for scores >= Threshold.
type PRPoint struct {
	Threshold float64 `json:"threshold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// aboveAll is a threshold no score reaches, for a curve's starting point.
func aboveAll(st []step) float64 {
	return math.Nextafter(st[0].threshold, math.Inf(1))
}

// ROCCurve returns the ROC curve of binary labels and scores: a start at
// (0, 0) with a threshold just above the highest score, then one point per
// distinct score from high to low, ending at (1, 1). It needs both classes.
func ROCCurve(y, score []float64) ([]ROCPoint, error) {
	if err := binaryCheck(y, score); err != nil {
		return nil, err
	}
	st, pos, neg := steps(y, score)
	if pos == 0 || neg == 0 {
		return nil, fmt.Errorf("roc curve: %w", ErrOneClass)
	}
	pts := make([]ROCPoint, 0, len(st)+1)
	pts = append(pts, ROCPoint{Threshold: aboveAll(st)})
	for _, s := range st {
		pts = append(pts, ROCPoint{s.threshold, float64(s.fp) / float64(neg), float64(s.tp) / float64(pos)})
	}
	return pts, nil
}

// ROCAUC is the area under the ROC curve (trapezoids, so tied scores count
// half), the probability that a random positive scores above a random
// negative. It needs both classes (ErrOneClass otherwise).
func ROCAUC(y, score []float64) (float64, error) {
	pts, err := ROCCurve(y, score)
	if err != nil {
		return 0, err
	}
	area := 0.0
	for i := 1; i < len(pts); i++ {
		area += (pts[i].FPR - pts[i-1].FPR) * (pts[i].TPR + pts[i-1].TPR) / 2
	}
	return area, nil
}

// PRCurve returns the precision-recall curve: a start at precision 1,
// recall 0 with a threshold just above the highest score, then one point per
// distinct score from high to low. It needs at least one positive.
func PRCurve(y, score []float64) ([]PRPoint, error) {
	if err := binaryCheck(y, score); err != nil {
		return nil, err
	}
	st, pos, _ := steps(y, score)
	if pos == 0 {
		return nil, fmt.Errorf("precision-recall curve without positives: %w", ErrOneClass)
	}
	pts := make([]PRPoint, 0, len(st)+1)
	pts = append(pts, PRPoint{Threshold: aboveAll(st), Precision: 1})
	for _, s := range st {
		pts = append(pts, PRPoint{s.threshold, float64(s.tp) / float64(s.tp+s.fp), float64(s.tp) / float64(pos)})
	}
	return pts, nil
}

// AveragePrecision is the area under the precision-recall curve as
// scikit-learn's average_precision_score defines it: Σ (Rₙ - Rₙ₋₁) Pₙ over
// distinct thresholds, without interpolation. It needs at least one
// positive.
func AveragePrecision(y, score []float64) (float64, error) {
	pts, err := PRCurve(y, score)
	if err != nil {
		return 0, err
	}
	ap := 0.0
	for i := 1; i < len(pts); i++ {
		ap += (pts[i].Recall - pts[i-1].Recall) * pts[i].Precision
	}
	return ap, nil
}

// ROCAUCOvR is the one-vs-rest ROC AUC of K classes, averaged over classes
// (macro), from one row of K probabilities per label. Unlike scikit-learn,
// which refuses, a class absent from y (or covering all of it) is left out
// of the average; ErrOneClass only when no class is left.
func ROCAUCOvR(y []float64, proba [][]float64) (float64, error) {
	return ovr(y, proba, ROCAUC)
}

// AveragePrecisionOvR is AveragePrecision one-vs-rest, averaged over the
// classes present in y (macro).
func AveragePrecisionOvR(y []float64, proba [][]float64) (float64, error) {
	return ovr(y, proba, AveragePrecision)
}

func ovr(y []float64, proba [][]float64, f func(y, score []float64) (float64, error)) (float64, error) {
	if err := checkLen(len(y)); err != nil {
		return 0, err
	}
	k := len(proba[0])
	if err := checkProba(proba, len(y), k); err != nil {
		return 0, err
	}
	if err := checkClasses("label", y, k); err != nil {
		return 0, err
	}
	yc, sc := make([]float64, len(y)), make([]float64, len(y))
	sum, used := 0.0, 0
	for c := range k {
		for i := range y {
			yc[i], sc[i] = 0, proba[i][c]
			if int(y[i]) == c {
				yc[i] = 1
			}
		}
		v, err := f(yc, sc)
		if err != nil {
			continue // class absent (or alone): left out
		}
		sum += v
		used++
	}
	if used == 0 {
		return 0, fmt.Errorf("one-vs-rest: %w", ErrOneClass)
	}
	return sum / float64(used), nil
}

// Downsample returns at most limit points of a curve for charts: the first
// and last points always, and points evenly spaced by index between them.
// A curve with at most limit points is returned unchanged.
func Downsample[P any](pts []P, limit int) []P {
	if len(pts) <= limit || limit < 2 {
		return pts
	}
	out := make([]P, limit)
	last := len(pts) - 1
	for i := range out {
		out[i] = pts[i*last/(limit-1)]
	}
	return out
}
