package text

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/optimize"
)

// RidgeParams configures FitRidge.
type RidgeParams struct {
	// Alpha is the L2 penalty, as in scikit-learn's Ridge: minimize
	// ½Σ w_i (y_i − ŷ_i)² + ½α‖W‖² (1 when <= 0). The intercept is not
	// penalized.
	Alpha float64
	// MaxIter bounds the L-BFGS iterations (300 when <= 0).
	MaxIter int
	// Weights are optional per-row sample weights.
	Weights []float64
	// Workers splits the gradient over goroutines (GOMAXPROCS when <= 0).
	Workers int
}

// FitRidge fits an L2-regularized least-squares regression of y on the
// sparse rows of x. The target is standardized for the optimizer and the
// weights brought back to its scale, so the result predicts y directly: a
// Logistic with NumClasses 1 and Family "ridge". A fit cut by ctx returns
// what it reached, as FitLogistic does.
func FitRidge(ctx context.Context, x *CSR, y []float64, p RidgeParams) (*Logistic, error) {
	if x.Rows != len(y) {
		return nil, fmt.Errorf("ridge: %d rows and %d targets", x.Rows, len(y))
	}
	if x.Rows == 0 {
		return nil, fmt.Errorf("ridge: no rows")
	}
	if p.Alpha <= 0 {
		p.Alpha = 1
	}
	if p.MaxIter <= 0 {
		p.MaxIter = 300
	}
	if p.Workers <= 0 {
		p.Workers = runtime.GOMAXPROCS(0)
	}
	var sw, mean float64
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("ridge: target %v in row %d", v, i)
		}
		w := rowWeight(p.Weights, i)
		sw += w
		mean += w * v
	}
	mean /= sw
	var vr float64
	for i, v := range y {
		vr += rowWeight(p.Weights, i) * (v - mean) * (v - mean)
	}
	scale := math.Sqrt(vr / sw)
	if scale == 0 {
		scale = 1
	}
	z := make([]float64, len(y))
	for i, v := range y {
		z[i] = (v - mean) / scale
	}
	o := &ridgeObjective{x: x, y: z, w: p.Weights, d: x.Cols, lambda: p.Alpha / sw, sumW: sw, workers: p.Workers}
	prob := optimize.Problem{
		Func: func(w []float64) float64 { return o.eval(w, nil) },
		Grad: func(g, w []float64) { o.eval(w, g) },
	}
	settings := &optimize.Settings{GradientThreshold: 1e-6, MajorIterations: p.MaxIter, Converger: &ctxConverger{ctx: ctx}}
	res, err := optimize.Minimize(prob, make([]float64, x.Cols+1), settings, &optimize.LBFGS{Store: 10})
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Cut by ctx: the iterate so far is a usable, if undertrained, model.
		if res == nil || !stepped(res) {
			return nil, fmt.Errorf("ridge: %w", ctxErr)
		}
		return ridgeOf(res, mean, scale), fmt.Errorf("ridge stopped after %d iterations: %w", res.Stats.MajorIterations, ctxErr)
	}
	if res == nil {
		return nil, fmt.Errorf("ridge: %w", err)
	}
	return ridgeOf(res, mean, scale), nil
}

// ridgeOf reads the model from where the optimizer stopped, brought back
// from the standardized target to y's mean and scale.
func ridgeOf(res *optimize.Result, mean, scale float64) *Logistic {
	d := len(res.X) - 1
	coef := make([]float64, d)
	for j := range coef {
		coef[j] = res.X[j] * scale
	}
	return &Logistic{
		Family: "ridge", NumClasses: 1, NumFeat: d, Coef: [][]float64{coef},
		Intercept: []float64{res.X[d]*scale + mean}, Iterations: res.Stats.MajorIterations,
	}
}

func rowWeight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// ridgeObjective is the mean weighted squared error (halved) plus the
// penalty, over the standardized target.
type ridgeObjective struct {
	x       *CSR
	y, w    []float64
	d       int
	lambda  float64
	sumW    float64
	workers int
}

func (o *ridgeObjective) eval(w, g []float64) float64 {
	nw := o.workers
	if o.x.Rows < 2000 {
		nw = 1
	}
	losses := make([]float64, nw)
	grads := make([][]float64, nw)
	chunk := (o.x.Rows + nw - 1) / nw
	var wg sync.WaitGroup
	for t := range nw {
		lo, hi := t*chunk, min((t+1)*chunk, o.x.Rows)
		if g != nil {
			grads[t] = make([]float64, len(w))
		}
		wg.Go(func() { losses[t] = o.partial(w, grads[t], lo, hi) })
	}
	wg.Wait()
	var f float64
	for _, l := range losses {
		f += l
	}
	f /= o.sumW
	if g != nil {
		clear(g)
		for _, gt := range grads {
			for i, v := range gt {
				g[i] += v / o.sumW
			}
		}
	}
	for j, v := range w[:o.d] {
		f += 0.5 * o.lambda * v * v
		if g != nil {
			g[j] += o.lambda * v
		}
	}
	return f
}

func (o *ridgeObjective) partial(w, g []float64, lo, hi int) float64 {
	coef, b := w[:o.d], w[o.d]
	var loss float64
	for i := lo; i < hi; i++ {
		idx, val := o.x.Row(i)
		s := b
		for j, c := range idx {
			s += float64(val[j]) * coef[c]
		}
		r := s - o.y[i]
		wi := rowWeight(o.w, i)
		loss += 0.5 * wi * r * r
		if g != nil {
			d := wi * r
			for j, c := range idx {
				g[c] += d * float64(val[j])
			}
			g[o.d] += d
		}
	}
	return loss
}
