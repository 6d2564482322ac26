package text

import (
	"context"
	"errors"
	"math"
	"testing"
)

// expiring is a context whose deadline passes once Err has been asked n
// times: it cuts a fit after a known number of iterations.
type expiring struct {
	context.Context
	n int
}

func (c *expiring) Err() error {
	c.n--
	if c.n < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// deadlineProblem is a small binary problem on sparse rows: the label is
// whether feature 0 outweighs feature 1.
func deadlineProblem() (*CSR, []int, []float64) {
	rows := make([][]float64, 400)
	y := make([]int, len(rows))
	v := make([]float64, len(rows))
	for i := range rows {
		a, b := float64(i%7), float64(i%5)
		rows[i] = []float64{a, b, float64(i % 3)}
		if a > b {
			y[i] = 1
		}
		v[i] = 2*a - 3*b + 1
	}
	return FromDense(rows), y, v
}

// TestLogisticCutByDeadlineKeepsItsIterate: a fit cut after a few
// iterations returns them with the deadline's error; one cut before its
// first step returns no model.
func TestLogisticCutByDeadlineKeepsItsIterate(t *testing.T) {
	x, y, _ := deadlineProblem()
	full, err := FitLogistic(context.Background(), x, y, 2, LogisticParams{C: 10})
	if err != nil {
		t.Fatal(err)
	}
	m, err := FitLogistic(&expiring{Context: context.Background(), n: 4}, x, y, 2, LogisticParams{C: 10})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cut fit: error %v, want context.DeadlineExceeded", err)
	}
	if m == nil || m.Iterations < 2 || m.Iterations >= full.Iterations {
		t.Fatalf("cut fit = %+v, want the iterate after a few of the full fit's %d iterations", m, full.Iterations)
	}
	if l := logLoss(m, x, y); !(l < math.Ln2) {
		t.Errorf("cut fit log loss %.4f, want below a coin's %.4f", l, math.Ln2)
	}
	m, err = FitLogistic(&expiring{Context: context.Background()}, x, y, 2, LogisticParams{C: 10})
	if m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("fit cut at its start = %+v, %v; want no model and context.DeadlineExceeded", m, err)
	}
}

// TestRidgeCutByDeadlineKeepsItsIterate is the same for ridge regression.
func TestRidgeCutByDeadlineKeepsItsIterate(t *testing.T) {
	x, _, v := deadlineProblem()
	m, err := FitRidge(&expiring{Context: context.Background(), n: 4}, x, v, RidgeParams{Alpha: 0.1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cut fit: error %v, want context.DeadlineExceeded", err)
	}
	if m == nil || m.Iterations < 2 || m.Family != "ridge" {
		t.Fatalf("cut fit = %+v, want a ridge iterate", m)
	}
	var se, sv, mean float64
	for _, t := range v {
		mean += t / float64(len(v))
	}
	for i, p := range m.PredictProba(x) {
		se += (p[0] - v[i]) * (p[0] - v[i])
		sv += (v[i] - mean) * (v[i] - mean)
	}
	if se >= sv {
		t.Errorf("cut fit's squared error %.4g, want below the mean's %.4g", se, sv)
	}
	m, err = FitRidge(&expiring{Context: context.Background()}, x, v, RidgeParams{})
	if m != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("fit cut at its start = %+v, %v; want no model and context.DeadlineExceeded", m, err)
	}
}

// logLoss is the mean log loss of a binary model on x.
func logLoss(m *Logistic, x *CSR, y []int) float64 {
	var s float64
	for i, p := range m.PredictProba(x) {
		s -= math.Log(max(p[y[i]], 1e-15))
	}
	return s / float64(len(y))
}
