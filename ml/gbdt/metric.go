package gbdt

import (
	"math"
	"slices"
)

// defaultMetric is the metric of an objective when none is given.
func defaultMetric(objective string) string {
	switch objective {
	case "binary":
		return "binary_logloss"
	case "multiclass":
		return "multi_logloss"
	}
	return "l2"
}

// higherBetter reports whether larger values of the metric are better.
func higherBetter(metric string) bool { return metric == "auc" }

// Evaluate computes a metric (LightGBM name: auc, binary_logloss,
// binary_error, multi_logloss, multi_error, l2, rmse, l1) from raw scores
// (class-major: score[k*n+i]) of k outputs, with labels and optional weights.
func Evaluate(metric string, score []float64, k int, label, weight []float64, sigmoid float64) float64 {
	n := len(label)
	w := func(i int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i]
	}
	sw, s := 0.0, 0.0
	switch metric {
	case "auc":
		return auc(score[:n], label, weight)
	case "binary_logloss", "binary_error":
		for i, y := range label {
			p := 1 / (1 + math.Exp(-sigmoid*score[i]))
			var l float64
			if metric == "binary_error" {
				if (p > 0.5) != (y > 0.5) {
					l = 1
				}
			} else if y > 0.5 {
				l = -math.Log(max(p, 1e-15))
			} else {
				l = -math.Log(max(1-p, 1e-15))
			}
			s += l * w(i)
			sw += w(i)
		}
	case "multi_logloss", "multi_error":
		p := make([]float64, k)
		for i, y := range label {
			for c := range p {
				p[c] = score[c*n+i]
			}
			softmax(p)
			c := int(y)
			var l float64
			if metric == "multi_error" {
				best := 0
				for j := range p {
					if p[j] > p[best] {
						best = j
					}
				}
				if best != c {
					l = 1
				}
			} else {
				l = -math.Log(max(p[c], 1e-15))
			}
			s += l * w(i)
			sw += w(i)
		}
	case "l2", "rmse", "l1":
		for i, y := range label {
			d := score[i] - y
			if metric == "l1" {
				s += math.Abs(d) * w(i)
			} else {
				s += d * d * w(i)
			}
			sw += w(i)
		}
		if metric == "rmse" {
			return math.Sqrt(s / sw)
		}
	default:
		return math.NaN()
	}
	return s / sw
}

// auc is the weighted area under the ROC curve, ties counted half.
func auc(score, label, weight []float64) float64 {
	n := len(label)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case score[a] < score[b]:
			return -1
		case score[a] > score[b]:
			return 1
		}
		return 0
	})
	w := func(i int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i]
	}
	var negBelow, area, pos, neg float64
	for i := 0; i < n; {
		j := i
		var tp, tn float64
		for ; j < n && score[order[j]] == score[order[i]]; j++ {
			r := order[j]
			if label[r] > 0.5 {
				tp += w(r)
			} else {
				tn += w(r)
			}
		}
		area += tp * (negBelow + tn/2)
		negBelow += tn
		pos += tp
		neg += tn
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return area / (pos * neg)
}
