package text

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/optimize"
)

// LogisticParams configures FitLogistic.
type LogisticParams struct {
	// C is the inverse regularization strength, as in scikit-learn:
	// minimize C·Σ loss + ½‖W‖² (1 when <= 0). The intercepts are not
	// penalized.
	C float64 `json:"c"`
	// MaxIter bounds the L-BFGS iterations (200 when <= 0).
	MaxIter int `json:"maxIter,omitempty"`
	// Tol stops when the gradient's largest component falls below it
	// (1e-5 when <= 0).
	Tol float64 `json:"tol,omitempty"`
	// Weights are optional per-row sample weights.
	Weights []float64 `json:"-"`
	// Workers splits the gradient over goroutines (GOMAXPROCS when <= 0).
	Workers int `json:"-"`
}

// Logistic is a fitted linear model over sparse rows: logistic (2 classes:
// one weight row for class 1), softmax (K > 2 classes: a row per class), or,
// with NumClasses 1, a regression whose one row gives the value itself.
// Naive Bayes fits are stored in this form too (their class scores are
// linear in the features), with Family saying which learner made it.
type Logistic struct {
	// Family names the learner that fit the weights: "" or "logistic",
	// "multinomial_nb", "complement_nb" or "ridge".
	Family     string      `json:"family,omitempty"`
	NumClasses int         `json:"numClasses"`
	NumFeat    int         `json:"numFeatures"`
	Coef       [][]float64 `json:"coef"`
	Intercept  []float64   `json:"intercept"`
	Iterations int         `json:"iterations"`
}

// FitLogistic fits an L2-regularized logistic or softmax regression on X
// with labels y in [0, k). When ctx ends first, FitLogistic returns the
// iterate it reached together with an error wrapping ctx.Err(), so that a
// caller under a time budget still has a model; it returns none if ctx ended
// before the first step.
func FitLogistic(ctx context.Context, x *CSR, y []int, k int, p LogisticParams) (*Logistic, error) {
	if x.Rows != len(y) {
		return nil, fmt.Errorf("logistic: %d rows and %d labels", x.Rows, len(y))
	}
	if k < 2 {
		return nil, fmt.Errorf("logistic: %d classes, need at least 2", k)
	}
	for _, c := range y {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("logistic: label %d outside [0, %d)", c, k)
		}
	}
	if p.C <= 0 {
		p.C = 1
	}
	if p.MaxIter <= 0 {
		p.MaxIter = 200
	}
	if p.Tol <= 0 {
		p.Tol = 1e-5
	}
	if p.Workers <= 0 {
		p.Workers = runtime.GOMAXPROCS(0)
	}
	rowsK := k
	if k == 2 {
		rowsK = 1
	}
	d := x.Cols
	stride := d + 1 // coefficients then intercept
	o := &objective{x: x, y: y, k: k, rk: rowsK, d: d, stride: stride, w: p.Weights, workers: p.Workers}
	o.sumW = float64(x.Rows)
	if p.Weights != nil {
		o.sumW = 0
		for _, v := range p.Weights {
			o.sumW += v
		}
	}
	// Objective scaled by 1/(C·S) keeps its size independent of the data.
	o.lambda = 1 / (p.C * o.sumW)
	prob := optimize.Problem{
		Func: func(w []float64) float64 { f, _ := o.eval(w, nil); return f },
		Grad: func(g, w []float64) { o.eval(w, g) },
	}
	settings := &optimize.Settings{
		GradientThreshold: p.Tol,
		MajorIterations:   p.MaxIter,
		Converger:         &ctxConverger{ctx: ctx},
	}
	init := make([]float64, rowsK*stride)
	res, err := optimize.Minimize(prob, init, settings, &optimize.LBFGS{Store: 10})
	if ctxErr := ctx.Err(); ctxErr != nil {
		// Cut by ctx: the iterate so far is a usable, if undertrained, model.
		if res == nil || !stepped(res) {
			return nil, fmt.Errorf("logistic: %w", ctxErr)
		}
		return logisticOf(res, k, d), fmt.Errorf("logistic stopped after %d iterations: %w", res.Stats.MajorIterations, ctxErr)
	}
	// A line search that cannot improve any more leaves res at the best
	// point found, which is the numeric optimum; only a missing result fails.
	if res == nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	return logisticOf(res, k, d), nil
}

// logisticOf reads the weights of a k-class model over d features from
// where the optimizer stopped.
func logisticOf(res *optimize.Result, k, d int) *Logistic {
	rowsK, stride := len(res.X)/(d+1), d+1
	m := &Logistic{NumClasses: k, NumFeat: d, Coef: make([][]float64, rowsK), Intercept: make([]float64, rowsK), Iterations: res.Stats.MajorIterations}
	for r := range rowsK {
		m.Coef[r] = append([]float64(nil), res.X[r*stride:r*stride+d]...)
		m.Intercept[r] = res.X[r*stride+d]
	}
	return m
}

type objective struct {
	x       *CSR
	y       []int
	w       []float64
	k, rk   int
	d       int
	stride  int
	sumW    float64
	lambda  float64
	workers int
}

// eval returns the objective at w and, when g is not nil, writes the
// gradient. Rows are split into one contiguous chunk per worker; partial
// gradients are summed in worker order, so results do not depend on timing.
func (o *objective) eval(w, g []float64) (float64, []float64) {
	nw := o.workers
	if o.x.Rows < 2000 {
		nw = 1
	}
	losses := make([]float64, nw)
	var grads [][]float64
	if g != nil {
		grads = make([][]float64, nw)
	}
	var wg sync.WaitGroup
	chunk := (o.x.Rows + nw - 1) / nw
	for t := range nw {
		lo, hi := t*chunk, min((t+1)*chunk, o.x.Rows)
		var gt []float64
		if g != nil {
			gt = make([]float64, len(w))
			grads[t] = gt
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			losses[t] = o.partial(w, gt, lo, hi)
		}()
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
				g[i] += v
			}
		}
		for i := range g {
			g[i] /= o.sumW
		}
	}
	for r := range o.rk {
		coef := w[r*o.stride : r*o.stride+o.d]
		var s float64
		for j, v := range coef {
			s += v * v
			if g != nil {
				g[r*o.stride+j] += o.lambda * v
			}
		}
		f += 0.5 * o.lambda * s
	}
	return f, g
}

func (o *objective) partial(w, g []float64, lo, hi int) float64 {
	z := make([]float64, o.rk)
	var loss float64
	for i := lo; i < hi; i++ {
		idx, val := o.x.Row(i)
		for r := range o.rk {
			base := r * o.stride
			coef := w[base : base+o.d]
			s := w[base+o.d]
			for j, c := range idx {
				s += float64(val[j]) * coef[c]
			}
			z[r] = s
		}
		wi := 1.0
		if o.w != nil {
			wi = o.w[i]
		}
		yi := o.y[i]
		if o.rk == 1 {
			t := float64(yi)
			zz := z[0]
			// log(1+e^z) - t z, stably.
			if zz > 0 {
				loss += wi * (zz + math.Log1p(math.Exp(-zz)) - t*zz)
			} else {
				loss += wi * (math.Log1p(math.Exp(zz)) - t*zz)
			}
			if g != nil {
				d := wi * (sigmoid(zz) - t)
				gr := g[:o.d]
				for j, c := range idx {
					gr[c] += d * float64(val[j])
				}
				g[o.d] += d
			}
			continue
		}
		m := math.Inf(-1)
		for _, v := range z {
			m = max(m, v)
		}
		var se float64
		for _, v := range z {
			se += math.Exp(v - m)
		}
		lse := m + math.Log(se)
		loss += wi * (lse - z[yi])
		if g != nil {
			for r := range o.rk {
				d := math.Exp(z[r] - lse)
				if r == yi {
					d--
				}
				d *= wi
				base := r * o.stride
				gr := g[base : base+o.d]
				for j, c := range idx {
					gr[c] += d * float64(val[j])
				}
				g[base+o.d] += d
			}
		}
	}
	return loss
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// PredictProba returns a probability per class for every row of x (for a
// regression, NumClasses 1, the predicted value).
func (m *Logistic) PredictProba(x *CSR) [][]float64 {
	out := make([][]float64, x.Rows)
	for i := range out {
		idx, val := x.Row(i)
		z := make([]float64, len(m.Coef))
		for r, coef := range m.Coef {
			s := m.Intercept[r]
			for j, c := range idx {
				if int(c) < len(coef) {
					s += float64(val[j]) * coef[c]
				}
			}
			z[r] = s
		}
		if m.NumClasses == 1 {
			out[i] = z
			continue
		}
		if m.NumClasses == 2 {
			p1 := sigmoid(z[0])
			out[i] = []float64{1 - p1, p1}
			continue
		}
		softmax(z)
		out[i] = z
	}
	return out
}

// stepped reports whether the optimizer moved from its starting point: gonum
// counts the start as the first major iteration, so a fit cut by its
// deadline is worth keeping only from the second on.
func stepped(res *optimize.Result) bool { return res.Stats.MajorIterations > 1 }

// ctxConverger stops the optimizer when its context ends.
type ctxConverger struct{ ctx context.Context }

func (c *ctxConverger) Init(int) {}

func (c *ctxConverger) Converged(*optimize.Location) optimize.Status {
	if c.ctx.Err() != nil {
		return optimize.MethodConverge
	}
	return optimize.NotTerminated
}
