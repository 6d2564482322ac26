package pipeline

import "math"

// servedThreshold turns the decision threshold chosen on validation — predict the positive
// class when its probability is at least t — into the artifact's rule, which labels a row
// Classes[1] when P(Classes[1]) is at least the artifact's Threshold. When the positive class
// is Classes[0], P(Classes[0]) ≥ t is P(Classes[1]) ≤ 1-t: the artifact labels Classes[1] only
// above 1-t, so a tie still goes to the positive class. The result lies in (0, 1], as the
// artifact requires; ok is false when the classes are not two or do not hold positive.
func servedThreshold(classes []string, positive string, t float64) (thr float64, ok bool) {
	if len(classes) != 2 {
		return 0, false
	}
	switch positive {
	case classes[1]:
		thr = t
	case classes[0]:
		thr = math.Nextafter(1-t, 2)
	default:
		return 0, false
	}
	return min(max(thr, math.SmallestNonzeroFloat64), 1), true
}
