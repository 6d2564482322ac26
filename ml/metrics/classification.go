package metrics

// Accuracy is the fraction of rows whose predicted class equals the label.
func Accuracy(y, pred []float64) (float64, error) {
	if err := checkLen(len(y), len(pred)); err != nil {
		return 0, err
	}
	if err := checkNotNaN("label", y); err != nil {
		return 0, err
	}
	if err := checkNotNaN("prediction", pred); err != nil {
		return 0, err
	}
	hit := 0
	for i := range y {
		if y[i] == pred[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(y)), nil
}

// ConfusionMatrix counts rows by label (row index) and predicted class
// (column index) for k classes; k = 0 means one more than the largest
// label or prediction.
func ConfusionMatrix(y, pred []float64, k int) ([][]int, error) {
	if err := checkLen(len(y), len(pred)); err != nil {
		return nil, err
	}
	if k == 0 {
		k = numClasses(y, pred)
	}
	if err := checkClasses("label", y, k); err != nil {
		return nil, err
	}
	if err := checkClasses("prediction", pred, k); err != nil {
		return nil, err
	}
	flat := make([]int, k*k)
	cm := make([][]int, k)
	for c := range cm {
		cm[c] = flat[c*k : (c+1)*k : (c+1)*k]
	}
	for i := range y {
		cm[int(y[i])][int(pred[i])]++
	}
	return cm, nil
}

// ClassScores are precision, recall and F1 of one class (or an average),
// with the number of rows of that class (for an average, all rows).
type ClassScores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// ClassReport holds per-class scores and their macro (unweighted mean over
// classes) and weighted (support-weighted mean) averages. As in
// scikit-learn, a ratio with a zero denominator (no predictions of a class,
// or no rows of it) is 0, and the averaged F1 is the mean of the per-class
// F1 values, not the F1 of the averaged precision and recall.
type ClassReport struct {
	PerClass []ClassScores `json:"perClass"`
	Macro    ClassScores   `json:"macro"`
	Weighted ClassScores   `json:"weighted"`
}

// Report computes the ClassReport of k classes (k = 0: inferred as in
// ConfusionMatrix). Every class in 0..k-1 takes part in the macro average,
// including classes absent from y.
func Report(y, pred []float64, k int) (ClassReport, error) {
	cm, err := ConfusionMatrix(y, pred, k)
	if err != nil {
		return ClassReport{}, err
	}
	return reportFrom(cm), nil
}

func reportFrom(cm [][]int) ClassReport {
	k := len(cm)
	r := ClassReport{PerClass: make([]ClassScores, k)}
	total := 0
	for c := range k {
		tp, predicted, actual := cm[c][c], 0, 0
		for o := range k {
			predicted += cm[o][c]
			actual += cm[c][o]
		}
		s := ClassScores{Support: actual}
		s.Precision = ratio(tp, predicted)
		s.Recall = ratio(tp, actual)
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerClass[c] = s
		total += actual
	}
	r.Macro.Support, r.Weighted.Support = total, total
	for _, s := range r.PerClass {
		r.Macro.Precision += s.Precision / float64(k)
		r.Macro.Recall += s.Recall / float64(k)
		r.Macro.F1 += s.F1 / float64(k)
		if total > 0 {
			w := float64(s.Support) / float64(total)
			r.Weighted.Precision += w * s.Precision
			r.Weighted.Recall += w * s.Recall
			r.Weighted.F1 += w * s.F1
		}
	}
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// BalancedAccuracy is the mean recall over the classes present in y (as
// scikit-learn computes it), which is the accuracy a model would have on a
// class-balanced sample.
func BalancedAccuracy(y, pred []float64, k int) (float64, error) {
	cm, err := ConfusionMatrix(y, pred, k)
	if err != nil {
		return 0, err
	}
	return balancedFrom(cm), nil
}

func balancedFrom(cm [][]int) float64 {
	sum, present := 0.0, 0
	for c := range cm {
		actual := 0
		for _, v := range cm[c] {
			actual += v
		}
		if actual > 0 {
			sum += float64(cm[c][c]) / float64(actual)
			present++
		}
	}
	return sum / float64(present)
}

// Argmax returns the most probable class of each row (ties to the lower
// class index).
func Argmax(proba [][]float64) []float64 {
	out := make([]float64, len(proba))
	for i, row := range proba {
		best := 0
		for c, p := range row {
			if p > row[best] {
				best = c
			}
		}
		out[i] = float64(best)
	}
	return out
}

// ThresholdPredictions turns binary scores into classes: 1 where score >=
// threshold, else 0.
func ThresholdPredictions(score []float64, threshold float64) []float64 {
	out := make([]float64, len(score))
	for i, s := range score {
		if s >= threshold {
			out[i] = 1
		}
	}
	return out
}
