package metrics

import (
	"fmt"
	"math"
	"slices"
)

func regressionCheck(y, pred []float64) error {
	if err := checkLen(len(y), len(pred)); err != nil {
		return err
	}
	if err := checkNotNaN("target", y); err != nil {
		return err
	}
	return checkNotNaN("prediction", pred)
}

// RMSE is the root mean squared error.
func RMSE(y, pred []float64) (float64, error) {
	if err := regressionCheck(y, pred); err != nil {
		return 0, err
	}
	sum := 0.0
	for i := range y {
		d := pred[i] - y[i]
		sum += d * d
	}
	return math.Sqrt(sum / float64(len(y))), nil
}

// MAE is the mean absolute error.
func MAE(y, pred []float64) (float64, error) {
	if err := regressionCheck(y, pred); err != nil {
		return 0, err
	}
	sum := 0.0
	for i := range y {
		sum += math.Abs(pred[i] - y[i])
	}
	return sum / float64(len(y)), nil
}

// R2 is the coefficient of determination, 1 - SS_res/SS_tot. For a
// constant target it is 1 when the predictions are exact and 0 otherwise,
// as scikit-learn reports it.
func R2(y, pred []float64) (float64, error) {
	if err := regressionCheck(y, pred); err != nil {
		return 0, err
	}
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	res, tot := 0.0, 0.0
	for i := range y {
		res += (y[i] - pred[i]) * (y[i] - pred[i])
		tot += (y[i] - mean) * (y[i] - mean)
	}
	if tot == 0 {
		if res == 0 {
			return 1, nil
		}
		return 0, nil
	}
	return 1 - res/tot, nil
}

// MAPE is the mean absolute percentage error as a fraction (0.1 = 10%),
// mean(|y - pred| / |y|) over rows whose target is not zero: a zero target
// has no percentage error, so those rows are skipped (scikit-learn instead
// divides by machine epsilon, which makes the metric explode). All-zero
// targets are an error.
func MAPE(y, pred []float64) (float64, error) {
	if err := regressionCheck(y, pred); err != nil {
		return 0, err
	}
	sum, n := 0.0, 0
	for i := range y {
		if y[i] == 0 {
			continue
		}
		sum += math.Abs((y[i] - pred[i]) / y[i])
		n++
	}
	if n == 0 {
		return 0, badInput("MAPE of all-zero targets")
	}
	return sum / float64(n), nil
}

// Residuals summarizes the residuals y - pred (positive: the model
// predicted too low).
type Residuals struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stdDev"`
	Min    float64 `json:"min"`
	P05    float64 `json:"p05"`
	P25    float64 `json:"p25"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	P95    float64 `json:"p95"`
	Max    float64 `json:"max"`
	// MaxAbs is the largest absolute residual.
	MaxAbs float64 `json:"maxAbs"`
}

// SummarizeResiduals computes Residuals. Quantiles interpolate linearly
// between order statistics (numpy's default); StdDev is the population
// standard deviation.
func SummarizeResiduals(y, pred []float64) (Residuals, error) {
	if err := regressionCheck(y, pred); err != nil {
		return Residuals{}, err
	}
	r := make([]float64, len(y))
	mean := 0.0
	for i := range y {
		r[i] = y[i] - pred[i]
		mean += r[i]
	}
	mean /= float64(len(r))
	sq := 0.0
	for _, v := range r {
		sq += (v - mean) * (v - mean)
	}
	if math.IsInf(mean, 0) {
		return Residuals{}, fmt.Errorf("residuals overflow: %w", ErrBadInput)
	}
	slices.Sort(r)
	return Residuals{
		Mean:   mean,
		StdDev: math.Sqrt(sq / float64(len(r))),
		Min:    r[0],
		P05:    quantile(r, 0.05),
		P25:    quantile(r, 0.25),
		Median: quantile(r, 0.5),
		P75:    quantile(r, 0.75),
		P95:    quantile(r, 0.95),
		Max:    r[len(r)-1],
		MaxAbs: max(-r[0], r[len(r)-1]),
	}, nil
}

// quantile of sorted values with linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(lo)
	return sorted[lo] + f*(sorted[lo+1]-sorted[lo])
}
