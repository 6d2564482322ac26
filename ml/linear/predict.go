package linear

import (
	"fmt"
	"math"
)

// Validate checks that a model, typically one decoded from JSON, has the
// shape its task needs, so that prediction cannot index out of range.
func (m *Model) Validate() error {
	var outputs int
	switch m.Task {
	case Regression, Binary:
		outputs = 1
	case Multiclass:
		outputs = m.NumClasses
		if outputs < 2 {
			return fmt.Errorf("linear model: multiclass with %d classes: %w", outputs, ErrBadInput)
		}
	default:
		return fmt.Errorf("linear model: unknown task %q: %w", m.Task, ErrBadInput)
	}
	if m.Task == Binary && m.NumClasses != 2 {
		return fmt.Errorf("linear model: binary with %d classes: %w", m.NumClasses, ErrBadInput)
	}
	if len(m.Coefficients) != outputs || len(m.Intercepts) != outputs {
		return fmt.Errorf("linear model: %d coefficient rows and %d intercepts, want %d: %w",
			len(m.Coefficients), len(m.Intercepts), outputs, ErrBadInput)
	}
	for k, row := range m.Coefficients {
		if len(row) != m.NumFeatures {
			return fmt.Errorf("linear model: coefficient row %d has %d values, want %d: %w", k, len(row), m.NumFeatures, ErrBadInput)
		}
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("linear model: coefficient row %d holds %v: %w", k, v, ErrBadInput)
			}
		}
	}
	for _, b := range m.Intercepts {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return fmt.Errorf("linear model: intercept %v: %w", b, ErrBadInput)
		}
	}
	return nil
}

// NumOutputs is the number of values PredictProba writes: the number of
// classes for a classifier, 1 for a regression.
func (m *Model) NumOutputs() int {
	if m.Task == Regression {
		return 1
	}
	return m.NumClasses
}

// Score returns the raw linear score of one row for output k: the
// prediction for regression, the log-odds of class 1 for binary (k = 0), or
// the softmax input of class k for multiclass.
func (m *Model) Score(row []float64, k int) float64 {
	w := m.Coefficients[k]
	row = row[:len(w)]
	s := m.Intercepts[k]
	for j, v := range w {
		s += v * row[j]
	}
	return s
}

// PredictProba writes the prediction for one row (its features in model
// order) into out without allocating: for classifiers the probability of
// each class (out needs NumOutputs values), for regression the predicted
// value in out[0].
func (m *Model) PredictProba(row, out []float64) {
	switch m.Task {
	case Regression:
		out[0] = m.Score(row, 0)
	case Binary:
		p := sigmoid(m.Score(row, 0))
		out[0], out[1] = 1-p, p
	default:
		out = out[:len(m.Coefficients)]
		mx := math.Inf(-1)
		for k := range out {
			out[k] = m.Score(row, k)
			mx = max(mx, out[k])
		}
		sum := 0.0
		for k, s := range out {
			out[k] = math.Exp(s - mx)
			sum += out[k]
		}
		for k := range out {
			out[k] /= sum
		}
	}
}

// Predict returns the prediction for one row: the value for regression, the
// most probable class index (ties to the lower index) for classifiers. It
// does not allocate.
func (m *Model) Predict(row []float64) float64 {
	switch m.Task {
	case Regression:
		return m.Score(row, 0)
	case Binary:
		if m.Score(row, 0) > 0 {
			return 1
		}
		return 0
	}
	best, bestScore := 0, math.Inf(-1)
	for k := range m.Coefficients {
		if s := m.Score(row, k); s > bestScore {
			best, bestScore = k, s
		}
	}
	return float64(best)
}

// PredictBatch predicts every row of x (feature columns, as given to Fit):
// values for regression, class indices for classifiers.
func (m *Model) PredictBatch(x [][]float64) []float64 {
	n := numRows(x)
	out := make([]float64, n)
	if m.Task == Regression || m.Task == Binary {
		m.scoresInto(x, 0, out)
		if m.Task == Binary {
			for i, s := range out {
				out[i] = 0
				if s > 0 {
					out[i] = 1
				}
			}
		}
		return out
	}
	proba := m.PredictProbaBatch(x)
	for i, p := range proba {
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		out[i] = float64(best)
	}
	return out
}

// PredictProbaBatch returns, for each row of x (feature columns), the class
// probabilities (classifiers) or a one-element slice holding the predicted
// value (regression). The rows share one backing array.
func (m *Model) PredictProbaBatch(x [][]float64) [][]float64 {
	n, k := numRows(x), m.NumOutputs()
	flat := make([]float64, n*k)
	out := make([][]float64, n)
	for i := range out {
		out[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	col := make([]float64, n)
	for c := range m.Coefficients {
		m.scoresInto(x, c, col)
		for i, s := range col {
			out[i][c] = s
		}
	}
	switch m.Task {
	case Binary:
		for _, p := range out {
			s := sigmoid(p[0])
			p[0], p[1] = 1-s, s
		}
	case Multiclass:
		for _, p := range out {
			mx := math.Inf(-1)
			for _, s := range p {
				mx = max(mx, s)
			}
			sum := 0.0
			for c, s := range p {
				p[c] = math.Exp(s - mx)
				sum += p[c]
			}
			for c := range p {
				p[c] /= sum
			}
		}
	}
	return out
}

// scoresInto writes the raw scores of output k for all rows, column by
// column.
func (m *Model) scoresInto(x [][]float64, k int, out []float64) {
	b := m.Intercepts[k]
	for i := range out {
		out[i] = b
	}
	for j, w := range m.Coefficients[k] {
		if w == 0 {
			continue
		}
		xj := x[j][:len(out)]
		for i := range out {
			out[i] += w * xj[i]
		}
	}
}

func numRows(x [][]float64) int {
	if len(x) == 0 {
		return 0
	}
	return len(x[0])
}
