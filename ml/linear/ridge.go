package linear

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// errSingular reports normal equations that Cholesky cannot factor.
var errSingular = errors.New("normal equations are singular")

// ridgeClosedForm solves the regression objective exactly: with weights
// normalized to sum to 1 and columns centered on their weighted means,
// (Xcᵀ D Xc + L2·I) w = Xcᵀ D yc and b = ȳ - x̄·w.
func ridgeClosedForm(ctx context.Context, o *objective) ([]float64, error) {
	n, p := o.n, o.p
	xbar := make([]float64, p)
	ybar := 0.0
	if o.intercept {
		for j, xj := range o.x {
			xbar[j] = floats.Dot(o.ws, xj)
		}
		ybar = floats.Dot(o.ws, o.y)
	}
	a := mat.NewSymDense(p, nil)
	rhs := mat.NewVecDense(p, nil)
	c := make([]float64, n) // D (x_j - x̄_j), one column at a time
	for j, xj := range o.x {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("fit regression: %w", err)
		}
		for i := range c {
			c[i] = o.ws[i] * (xj[i] - xbar[j])
		}
		sc := floats.Sum(c) // zero up to rounding when centered
		for l := j; l < p; l++ {
			a.SetSym(j, l, floats.Dot(c, o.x[l])-xbar[l]*sc)
		}
		a.SetSym(j, j, a.At(j, j)+o.l2)
		rhs.SetVec(j, floats.Dot(c, o.y)-ybar*sc)
	}
	var chol mat.Cholesky
	if !chol.Factorize(a) {
		return nil, errSingular
	}
	var sol mat.VecDense
	if err := chol.SolveVecTo(&sol, rhs); err != nil {
		return nil, errSingular
	}
	theta := make([]float64, o.dim())
	for j := range p {
		theta[j] = sol.AtVec(j)
	}
	if o.intercept {
		theta[p] = ybar - floats.Dot(xbar, theta[:p])
	}
	return theta, nil
}
