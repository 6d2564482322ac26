package metrics

import (
	"math"
)

// probaEps is the clipping bound of log loss: probabilities are clipped to
// [eps, 1-eps] with eps the float64 machine epsilon, as in scikit-learn.
const probaEps = 0x1p-52

// LogLoss is the mean negative log probability of the true class, from one
// row of K probabilities per label. Probabilities are clipped to
// [2⁻⁵², 1-2⁻⁵²] and not renormalized.
func LogLoss(y []float64, proba [][]float64) (float64, error) {
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
	sum := 0.0
	for i, row := range proba {
		sum -= math.Log(clip(row[int(y[i])]))
	}
	return sum / float64(len(y)), nil
}

// BinaryLogLoss is LogLoss for binary labels and the probability of class 1.
func BinaryLogLoss(y, p []float64) (float64, error) {
	if err := binaryCheck(y, p); err != nil {
		return 0, err
	}
	sum := 0.0
	for i := range y {
		q := clip(p[i])
		if y[i] == 1 {
			sum -= math.Log(q)
		} else {
			sum -= math.Log(1 - q)
		}
	}
	return sum / float64(len(y)), nil
}

func clip(p float64) float64 {
	return min(max(p, probaEps), 1-probaEps)
}

// Brier is the Brier score as scikit-learn defines it: for two classes the
// mean squared difference between the probability of class 1 and the label;
// for three or more, the mean over rows of Σₖ (pₖ - [y = k])².
func Brier(y []float64, proba [][]float64) (float64, error) {
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
	sum := 0.0
	for i, row := range proba {
		for c, p := range row {
			d := p
			if int(y[i]) == c {
				d = p - 1
			}
			sum += d * d
		}
	}
	if k == 2 {
		sum /= 2
	}
	return sum / float64(len(y)), nil
}

// BinaryBrier is the mean squared difference between the probability of
// class 1 and the binary label.
func BinaryBrier(y, p []float64) (float64, error) {
	if err := binaryCheck(y, p); err != nil {
		return 0, err
	}
	sum := 0.0
	for i := range y {
		d := p[i] - y[i]
		sum += d * d
	}
	return sum / float64(len(y)), nil
}

// CalibrationBin is one bin of a reliability diagram: the rows whose
// probability of class 1 lies in (Lower, Upper] (the first bin includes 0),
// their mean predicted probability and the fraction of them that are
// positive.
type CalibrationBin struct {
	Lower            float64 `json:"lower"`
	Upper            float64 `json:"upper"`
	MeanPredicted    float64 `json:"meanPredicted"`
	FractionPositive float64 `json:"fractionPositive"`
	Count            int     `json:"count"`
}

// CalibrationCurve bins probabilities of class 1 into nBins equal-width
// bins over [0, 1] and returns the non-empty bins, as scikit-learn's
// calibration_curve with strategy="uniform" does. Probabilities outside
// [0, 1] are an error.
func CalibrationCurve(y, p []float64, nBins int) ([]CalibrationBin, error) {
	if err := binaryCheck(y, p); err != nil {
		return nil, err
	}
	if nBins < 1 {
		return nil, badInput("%d calibration bins", nBins)
	}
	// Edges as numpy's linspace computes them: b·(1/n), the last one 1.
	bins := make([]CalibrationBin, nBins)
	width := 1 / float64(nBins)
	for b := range bins {
		bins[b].Lower = float64(b) * width
		bins[b].Upper = float64(b+1) * width
	}
	bins[nBins-1].Upper = 1
	for i, q := range p {
		if q < 0 || q > 1 {
			return nil, badInput("probability of row %d is %v, outside [0, 1]", i, q)
		}
		// The bin is the number of inner edges strictly below q.
		b := int(math.Ceil(q*float64(nBins))) - 1
		b = min(max(b, 0), nBins-1)
		for b > 0 && q <= bins[b].Lower {
			b--
		}
		for b < nBins-1 && q > bins[b].Upper {
			b++
		}
		bins[b].Count++
		bins[b].MeanPredicted += q
		bins[b].FractionPositive += y[i]
	}
	out := bins[:0]
	for _, bin := range bins {
		if bin.Count == 0 {
			continue
		}
		bin.MeanPredicted /= float64(bin.Count)
		bin.FractionPositive /= float64(bin.Count)
		out = append(out, bin)
	}
	return out, nil
}
