package metrics

import "fmt"

// Threshold is a decision threshold on binary scores (predict class 1 when
// score >= Threshold) and what it achieves on the data it was chosen on.
type Threshold struct {
	Threshold float64 `json:"threshold"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// FPR is the false positive rate: the share of negatives predicted
	// positive.
	FPR float64 `json:"fpr"`
	// Achieved tells whether the requested target was reached; when it was
	// not, the threshold is the closest one (see each function).
	Achieved bool `json:"achieved"`
}

// candidates returns the operating point of every distinct score, highest
// threshold first. It needs at least one positive.
func candidates(y, score []float64) ([]Threshold, error) {
	if err := binaryCheck(y, score); err != nil {
		return nil, err
	}
	st, pos, neg := steps(y, score)
	if pos == 0 {
		return nil, fmt.Errorf("threshold without positives: %w", ErrOneClass)
	}
	out := make([]Threshold, len(st))
	for i, s := range st {
		t := Threshold{
			Threshold: s.threshold,
			Precision: float64(s.tp) / float64(s.tp+s.fp),
			Recall:    float64(s.tp) / float64(pos),
			Achieved:  true,
		}
		if neg > 0 {
			t.FPR = float64(s.fp) / float64(neg)
		}
		if t.Precision+t.Recall > 0 {
			t.F1 = 2 * t.Precision * t.Recall / (t.Precision + t.Recall)
		}
		out[i] = t
	}
	return out, nil
}

// ThresholdForRecall returns the highest threshold whose recall is at least
// target ("catch at least 90% of churners" with as few false alarms as
// possible). Recall 1 is always reachable, so Achieved is true for any
// target in [0, 1].
func ThresholdForRecall(y, score []float64, target float64) (Threshold, error) {
	if !(target >= 0 && target <= 1) {
		return Threshold{}, badInput("recall target %v outside [0, 1]", target)
	}
	cs, err := candidates(y, score)
	if err != nil {
		return Threshold{}, err
	}
	for _, c := range cs {
		if c.Recall >= target {
			return c, nil
		}
	}
	return cs[len(cs)-1], nil // unreachable: the last candidate has recall 1
}

// ThresholdForPrecision returns the lowest threshold whose precision is at
// least target, which gives the most recall at that precision. When no
// threshold reaches the target, it returns the threshold of highest
// precision (the lowest such threshold) with Achieved false.
func ThresholdForPrecision(y, score []float64, target float64) (Threshold, error) {
	if !(target >= 0 && target <= 1) {
		return Threshold{}, badInput("precision target %v outside [0, 1]", target)
	}
	cs, err := candidates(y, score)
	if err != nil {
		return Threshold{}, err
	}
	best := -1
	for i, c := range cs {
		if c.Precision >= target {
			best = i
		}
	}
	if best >= 0 {
		return cs[best], nil
	}
	best = 0
	for i, c := range cs {
		if c.Precision >= cs[best].Precision {
			best = i
		}
	}
	t := cs[best]
	t.Achieved = false
	return t, nil
}

// ThresholdMaxF1 returns the threshold with the highest F1 (ties to the
// higher threshold).
func ThresholdMaxF1(y, score []float64) (Threshold, error) {
	cs, err := candidates(y, score)
	if err != nil {
		return Threshold{}, err
	}
	best := 0
	for i, c := range cs {
		if c.F1 > cs[best].F1 {
			best = i
		}
	}
	return cs[best], nil
}
