package linear

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// Fit trains a model on x (p feature columns of n values each), labels or
// targets y and optional sample weights w (nil means all 1).
//
// Fit checks ctx between L-BFGS iterations (and between columns of the
// closed form). When ctx ends first, Fit returns the best model found so far
// together with an error that wraps ctx.Err(), so a caller under a time
// budget can still use it; a fit cut before its first step (or in the closed
// form) has none to return.
func Fit(ctx context.Context, x [][]float64, y, w []float64, params Params) (*Model, error) {
	k, err := checkInput(x, y, w, &params)
	if err != nil {
		return nil, err
	}
	ws, err := effectiveWeights(y, w, k, params)
	if err != nil {
		return nil, err
	}
	m := numOutputs(params.Task, k)
	workers := params.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	obj := newObjective(params.Task, x, y, ws, m, params.L2, !params.NoIntercept, workers)
	obj.l1 = params.L1
	if params.L1 > 0 {
		return fitOWLQN(ctx, obj, k, params)
	}

	if params.Task == Regression && useClosedForm(params.Solver, len(y), len(x)) {
		theta, err := ridgeClosedForm(ctx, obj)
		if err == nil {
			return obj.model(theta, k, 0, true), nil
		}
		if !errors.Is(err, errSingular) {
			return nil, err
		}
		// A singular system (collinear columns without L2) has many
		// minimizers; L-BFGS finds one of them.
	}
	return fitLBFGS(ctx, obj, k, params)
}

// useClosedForm tells whether regression should use the normal equations.
func useClosedForm(s Solver, n, p int) bool {
	switch s {
	case SolverCholesky:
		return true
	case SolverLBFGS:
		return false
	}
	return p <= 2000 && float64(p)*float64(p)*float64(n) <= 4e9
}

// checkInput validates shapes and labels and returns the number of classes.
func checkInput(x [][]float64, y, w []float64, params *Params) (int, error) {
	n := len(y)
	if n == 0 {
		return 0, badInput("no rows")
	}
	for j, col := range x {
		if len(col) != n {
			return 0, badInput("feature %d has %d values for %d rows", j, len(col), n)
		}
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, badInput("feature %d row %d is %v; impute before fitting", j, i, v)
			}
		}
	}
	if w != nil && len(w) != n {
		return 0, badInput("%d weights for %d rows", len(w), n)
	}
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 0) {
			return 0, badInput("weight of row %d is %v", i, v)
		}
	}
	if !(params.L2 >= 0) || math.IsInf(params.L2, 0) || !(params.L1 >= 0) || math.IsInf(params.L1, 0) {
		return 0, badInput("penalties L2 = %v, L1 = %v", params.L2, params.L1)
	}
	if params.Tol < 0 || params.MaxIter < 0 {
		return 0, badInput("tol %v and maxIter %d must not be negative", params.Tol, params.MaxIter)
	}
	switch params.Task {
	case Regression:
		for i, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, badInput("target of row %d is %v", i, v)
			}
		}
		return 1, nil
	case Binary, Multiclass:
	default:
		return 0, badInput("unknown task %q", params.Task)
	}
	k := 2
	if params.Task == Multiclass {
		k = params.NumClasses
		if k == 0 {
			for _, v := range y {
				k = max(k, int(v)+1)
			}
		}
		if k < 2 {
			return 0, badInput("multiclass with %d classes", k)
		}
	}
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			return 0, badInput("label of row %d is %v, want a class index in [0, %d)", i, v, k)
		}
	}
	seen := make([]bool, k)
	distinct := 0
	for i, v := range y {
		if c := int(v); !seen[c] && (w == nil || w[i] > 0) {
			seen[c] = true
			distinct++
		}
	}
	if distinct < 2 {
		return 0, badInput("only one class present in the labels")
	}
	params.NumClasses = k
	return k, nil
}

// effectiveWeights combines sample and class weights and divides them by
// their sum.
func effectiveWeights(y, w []float64, k int, params Params) ([]float64, error) {
	n := len(y)
	cw := params.ClassWeights
	if params.Task != Regression && params.BalancedClassWeights {
		// Weighted class totals, so that every class carries the same total
		// weight after class weighting.
		counts := make([]float64, k)
		total := 0.0
		for i, v := range y {
			wi := 1.0
			if w != nil {
				wi = w[i]
			}
			counts[int(v)] += wi
			total += wi
		}
		cw = make([]float64, k)
		for c, cnt := range counts {
			if cnt > 0 {
				cw[c] = total / (float64(k) * cnt)
			}
		}
	}
	if params.Task == Regression {
		cw = nil
	}
	if cw != nil && len(cw) != k {
		return nil, badInput("%d class weights for %d classes", len(cw), k)
	}
	ws := make([]float64, n)
	for i := range ws {
		ws[i] = 1
		if w != nil {
			ws[i] = w[i]
		}
		if cw != nil {
			ws[i] *= cw[int(y[i])]
		}
	}
	sum := floats.Sum(ws)
	if !(sum > 0) || math.IsInf(sum, 0) {
		return nil, badInput("weights sum to %v", sum)
	}
	floats.Scale(1/sum, ws)
	return ws, nil
}

// ctxRecorder stops L-BFGS when the context ends and counts iterations.
type ctxRecorder struct {
	ctx   context.Context
	iters int
}

func (r *ctxRecorder) Init() error { return r.ctx.Err() }

func (r *ctxRecorder) Record(_ *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op == optimize.MajorIteration {
		r.iters++
	}
	return r.ctx.Err()
}

func fitLBFGS(ctx context.Context, obj *objective, k int, params Params) (*Model, error) {
	tol, maxIter := params.Tol, params.MaxIter
	if tol == 0 {
		tol = DefaultTol
	}
	if maxIter == 0 {
		maxIter = DefaultMaxIter
	}
	theta0 := obj.initial()
	rec := &ctxRecorder{ctx: ctx}
	settings := &optimize.Settings{
		GradientThreshold: tol,
		MajorIterations:   maxIter,
		Converger:         &optimize.FunctionConverge{Relative: 1e-13, Iterations: 20},
		Recorder:          rec,
	}
	prob := optimize.Problem{Func: obj.Func, Grad: obj.Grad}
	res, err := optimize.Minimize(prob, theta0, settings, &optimize.LBFGS{})
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The start counts as the first major iteration; before the second,
		// res holds the start at best (or nothing yet), not a fit.
		if res == nil || rec.iters < 2 {
			return nil, fmt.Errorf("fit %s: %w", params.Task, ctxErr)
		}
		return obj.model(res.X, k, rec.iters, false), fmt.Errorf("fit %s stopped after %d iterations: %w", params.Task, rec.iters, ctxErr)
	}
	if res == nil {
		return nil, fmt.Errorf("fit %s: %w", params.Task, err)
	}
	// A line search that can make no more progress ends the run at the best
	// point found; that is a result, not a failure. Converged reports
	// whether the gradient reached the tolerance.
	converged := res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence
	if !converged && res.Gradient != nil {
		converged = floats.Norm(res.Gradient, math.Inf(1)) < tol
	}
	md := obj.model(res.X, k, rec.iters, converged)
	if err := checkFinite(md); err != nil {
		return nil, err
	}
	return md, nil
}

func fitOWLQN(ctx context.Context, obj *objective, k int, params Params) (*Model, error) {
	tol, maxIter := params.Tol, params.MaxIter
	if tol == 0 {
		tol = DefaultTol
	}
	if maxIter == 0 {
		maxIter = DefaultMaxIter
	}
	res, err := minimizeOWLQN(ctx, obj, obj.initial(), params.L1, obj.m*obj.p, tol, maxIter)
	if err != nil && res.iters == 0 {
		return nil, fmt.Errorf("fit %s: %w", params.Task, err)
	}
	md := obj.model(res.theta, k, res.iters, res.converged)
	if err != nil {
		return md, fmt.Errorf("fit %s stopped after %d iterations: %w", params.Task, res.iters, err)
	}
	if err := checkFinite(md); err != nil {
		return nil, err
	}
	return md, nil
}

// checkFinite rejects a fit whose objective overflowed, which happens with
// features of huge magnitude.
func checkFinite(md *Model) error {
	if math.IsNaN(md.Objective) || math.IsInf(md.Objective, 0) {
		return badInput("fit %s: the objective is %v; scale the features", md.Task, md.Objective)
	}
	return nil
}

// initial returns the starting point: zero coefficients, and intercepts
// that reproduce the weighted mean target or class frequencies.
func (o *objective) initial() []float64 {
	theta := make([]float64, o.dim())
	if !o.intercept {
		return theta
	}
	b := theta[o.m*o.p:]
	switch o.task {
	case Regression:
		b[0] = floats.Dot(o.ws, o.y)
	case Binary:
		pos := floats.Dot(o.ws, o.y)
		pos = min(max(pos, 1e-6), 1-1e-6)
		b[0] = math.Log(pos / (1 - pos))
	case Multiclass:
		freq := make([]float64, o.m)
		for i, v := range o.y {
			freq[int(v)] += o.ws[i]
		}
		mean := 0.0
		for c := range freq {
			b[c] = math.Log(max(freq[c], 1e-6))
			mean += b[c]
		}
		for c := range b {
			b[c] -= mean / float64(o.m)
		}
	}
	return theta
}

// model builds a Model from θ.
func (o *objective) model(theta []float64, k, iters int, converged bool) *Model {
	md := &Model{
		Task:         o.task,
		NumFeatures:  o.p,
		Coefficients: make([][]float64, o.m),
		Intercepts:   make([]float64, o.m),
		Iterations:   iters,
		Converged:    converged,
		Objective:    o.Func(theta) + o.l1*l1Norm(theta[:o.m*o.p]),
	}
	if o.task != Regression {
		md.NumClasses = k
	}
	for c := range o.m {
		md.Coefficients[c] = append([]float64(nil), theta[c*o.p:(c+1)*o.p]...)
		if o.intercept {
			md.Intercepts[c] = theta[o.m*o.p+c]
		}
	}
	if o.task == Multiclass {
		// Softmax is unchanged by adding one vector to every class; center
		// intercepts (and, without L1, coefficients, which the L2 optimum
		// already centers) so the stored model is unique.
		for j := range o.p {
			if o.l1 > 0 {
				break
			}
			mean := 0.0
			for c := range o.m {
				mean += md.Coefficients[c][j]
			}
			mean /= float64(o.m)
			for c := range o.m {
				md.Coefficients[c][j] -= mean
			}
		}
		mean := floats.Sum(md.Intercepts) / float64(o.m)
		for c := range md.Intercepts {
			md.Intercepts[c] -= mean
		}
	}
	return md
}
