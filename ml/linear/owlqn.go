package linear

import (
	"context"
	"math"

	"gonum.org/v1/gonum/floats"
)

// owlqnMemory is the number of correction pairs OWL-QN keeps.
const owlqnMemory = 10

// owlqnResult is where OWL-QN stopped.
type owlqnResult struct {
	theta     []float64
	iters     int
	converged bool
}

// minimizeOWLQN minimizes f(θ) + l1·Σ|θᵢ| over the first nPen coordinates
// (the coefficients; intercepts follow them and are not penalized) with the
// orthant-wise limited-memory quasi-Newton method of Andrew and Gao (2007):
// L-BFGS directions computed from the pseudo-gradient, kept in the orthant
// of the current point, with a projected backtracking line search. It stops
// when the largest pseudo-gradient component is below tol, after maxIter
// iterations, when the objective stops decreasing, or when ctx ends (then
// it returns the current point and ctx.Err()).
func minimizeOWLQN(ctx context.Context, o *objective, theta []float64, l1 float64, nPen int, tol float64, maxIter int) (owlqnResult, error) {
	dim := len(theta)
	x := append([]float64(nil), theta...)
	g := make([]float64, dim)
	f := o.eval(x, g) + l1*l1Norm(x[:nPen])
	v := make([]float64, dim)  // pseudo-gradient
	d := make([]float64, dim)  // search direction
	xn := make([]float64, dim) // trial point
	gn := make([]float64, dim) // gradient at the trial point
	alpha := make([]float64, owlqnMemory)
	var ss, ys [][]float64
	var rho []float64
	stall := 0
	for it := 0; ; it++ {
		pseudoGradient(v, x, g, l1, nPen)
		if floats.Norm(v, math.Inf(1)) < tol {
			return owlqnResult{x, it, true}, nil
		}
		if it >= maxIter {
			return owlqnResult{x, it, false}, nil
		}
		if err := ctx.Err(); err != nil {
			return owlqnResult{x, it, false}, err
		}

		// Two-loop recursion on the pseudo-gradient.
		copy(d, v)
		for i := len(ss) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * floats.Dot(ss[i], d)
			floats.AddScaled(d, -alpha[i], ys[i])
		}
		if n := len(ss); n > 0 {
			floats.Scale(floats.Dot(ss[n-1], ys[n-1])/floats.Dot(ys[n-1], ys[n-1]), d)
		}
		for i := range ss {
			b := rho[i] * floats.Dot(ys[i], d)
			floats.AddScaled(d, alpha[i]-b, ss[i])
		}
		floats.Scale(-1, d)
		// Keep only components that point downhill on the pseudo-gradient.
		for i := range nPen {
			if d[i]*v[i] >= 0 {
				d[i] = 0
			}
		}
		if floats.Dot(d, v) >= 0 {
			// Not a descent direction: restart from steepest descent.
			ss, ys, rho = ss[:0], ys[:0], rho[:0]
			for i := range d {
				d[i] = -v[i]
			}
		}

		// Projected backtracking line search in the orthant of x.
		step := 1.0
		if len(ss) == 0 {
			step = 1 / max(floats.Norm(d, 2), 1)
		}
		var fn float64
		accepted := false
		for range 60 {
			for i := range xn {
				xn[i] = x[i] + step*d[i]
			}
			for i := range nPen {
				orth := math.Copysign(1, x[i])
				if x[i] == 0 {
					orth = -math.Copysign(1, v[i])
				}
				if xn[i]*orth <= 0 {
					xn[i] = 0
				}
			}
			fn = o.eval(xn, gn) + l1*l1Norm(xn[:nPen])
			decrease := 0.0
			for i := range xn {
				decrease += v[i] * (xn[i] - x[i])
			}
			if fn <= f+1e-4*decrease {
				accepted = true
				break
			}
			step /= 2
		}
		if !accepted {
			// No progress is possible at this precision.
			return owlqnResult{x, it, floats.Norm(v, math.Inf(1)) < 10*tol}, nil
		}

		s := make([]float64, dim)
		y := make([]float64, dim)
		floats.SubTo(s, xn, x)
		floats.SubTo(y, gn, g)
		if sy := floats.Dot(s, y); sy > 1e-12 {
			if len(ss) == owlqnMemory {
				ss, ys, rho = ss[1:], ys[1:], rho[1:]
			}
			ss, ys, rho = append(ss, s), append(ys, y), append(rho, 1/sy)
		}
		if f-fn <= 1e-14*math.Abs(f) {
			stall++
		} else {
			stall = 0
		}
		copy(x, xn)
		copy(g, gn)
		f = fn
		if stall >= 5 {
			pseudoGradient(v, x, g, l1, nPen)
			return owlqnResult{x, it + 1, floats.Norm(v, math.Inf(1)) < 10*tol}, nil
		}
	}
}

// pseudoGradient writes the minimum-norm subgradient of f + l1·‖θ[:nPen]‖₁
// into v.
func pseudoGradient(v, x, g []float64, l1 float64, nPen int) {
	copy(v, g)
	for i := range nPen {
		switch {
		case x[i] > 0:
			v[i] = g[i] + l1
		case x[i] < 0:
			v[i] = g[i] - l1
		case g[i]+l1 < 0:
			v[i] = g[i] + l1
		case g[i]-l1 > 0:
			v[i] = g[i] - l1
		default:
			v[i] = 0
		}
	}
}

func l1Norm(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}
