package linear

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"
)

// Row chunks: the objective is evaluated chunk by chunk (each chunk's
// features stay in cache between the score and gradient passes), chunks run
// on several goroutines, and chunk results are summed in chunk order, so
// the result does not depend on the number of workers.
const (
	minChunkRows = 2048
	maxChunks    = 64
)

// objective evaluates the training loss and its gradient. The parameter
// vector θ holds the coefficients row-major (m rows of p) followed, when the
// model has an intercept, by the m intercepts.
type objective struct {
	task      Task
	x         [][]float64 // p columns of n
	y         []float64
	ws        []float64 // effective weights divided by their sum
	n, p, m   int
	l2        float64
	l1        float64 // not part of eval; OWL-QN adds it
	intercept bool
	workers   int

	chunk    int         // rows per chunk
	z        []float64   // m*n scores, class-major, reused as residuals
	partLoss []float64   // loss per chunk
	partGrad [][]float64 // data gradient per chunk
	lastX    []float64   // θ of the cached evaluation
	lastF    float64
	lastG    []float64
	cached   bool
}

func newObjective(task Task, x [][]float64, y, ws []float64, m int, l2 float64, intercept bool, workers int) *objective {
	n, p := len(y), len(x)
	dim := m * p
	if intercept {
		dim += m
	}
	chunk := max(minChunkRows, (n+maxChunks-1)/maxChunks)
	chunks := (n + chunk - 1) / chunk
	o := &objective{
		task: task, x: x, y: y, ws: ws, n: n, p: p, m: m, l2: l2, intercept: intercept,
		workers:  max(1, min(workers, chunks)),
		chunk:    chunk,
		z:        make([]float64, m*n),
		partLoss: make([]float64, chunks),
		partGrad: make([][]float64, chunks),
		lastX:    make([]float64, dim),
		lastG:    make([]float64, dim),
	}
	for c := range o.partGrad {
		o.partGrad[c] = make([]float64, dim)
	}
	return o
}

func (o *objective) dim() int { return len(o.lastX) }

// Func returns the objective at theta.
func (o *objective) Func(theta []float64) float64 {
	o.ensure(theta)
	return o.lastF
}

// Grad writes the gradient at theta into grad.
func (o *objective) Grad(grad, theta []float64) {
	o.ensure(theta)
	copy(grad, o.lastG)
}

// ensure evaluates f and ∇f at theta once; L-BFGS asks for both at the same
// point in separate calls.
func (o *objective) ensure(theta []float64) {
	if o.cached && slices.Equal(theta, o.lastX) {
		return
	}
	o.lastF = o.eval(theta, o.lastG)
	copy(o.lastX, theta)
	o.cached = true
}

// eval returns the objective at theta and writes its gradient into grad.
func (o *objective) eval(theta, grad []float64) float64 {
	chunks := len(o.partLoss)
	if o.workers <= 1 {
		for c := range chunks {
			o.evalChunk(theta, c)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range o.workers {
			wg.Go(func() {
				for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
					o.evalChunk(theta, c)
				}
			})
		}
		wg.Wait()
	}
	loss := 0.0
	clear(grad)
	for c := range chunks {
		loss += o.partLoss[c]
		floats.Add(grad, o.partGrad[c])
	}
	pen := 0.0
	for i, w := range theta[:o.m*o.p] {
		grad[i] += o.l2 * w
		pen += w * w
	}
	return loss + 0.5*o.l2*pen
}

// evalChunk computes the data loss and gradient of rows [c·chunk, ...).
func (o *objective) evalChunk(theta []float64, c int) {
	n, p, m := o.n, o.p, o.m
	lo, hi := c*o.chunk, min((c+1)*o.chunk, n)
	// Scores.
	for k := 0; k < m; k++ {
		zk := o.z[k*n+lo : k*n+hi]
		b := 0.0
		if o.intercept {
			b = theta[m*p+k]
		}
		for i := range zk {
			zk[i] = b
		}
		w := theta[k*p : (k+1)*p]
		for j, xj := range o.x {
			if w[j] != 0 {
				floats.AddScaled(zk, w[j], xj[lo:hi])
			}
		}
	}
	// Loss, and residuals in place of the scores.
	loss := 0.0
	ws, y := o.ws[lo:hi], o.y[lo:hi]
	switch o.task {
	case Regression:
		z := o.z[lo:hi]
		for i := range z {
			r := z[i] - y[i]
			loss += 0.5 * ws[i] * r * r
			z[i] = ws[i] * r
		}
	case Binary:
		z := o.z[lo:hi]
		for i := range z {
			zi := z[i]
			// One exponential serves both log(1+e^z) and the sigmoid.
			e := math.Exp(-math.Abs(zi))
			pr := 1 / (1 + e)
			if zi < 0 {
				pr = e / (1 + e)
			}
			loss += ws[i] * (max(zi, 0) + math.Log1p(e) - y[i]*zi)
			z[i] = ws[i] * (pr - y[i])
		}
	case Multiclass:
		z := o.z[:m*n]
		for r := lo; r < hi; r++ {
			wi := ws[r-lo]
			mx := math.Inf(-1)
			for k := r; k < len(z); k += n {
				mx = max(mx, z[k])
			}
			yi := int(y[r-lo])
			zy := z[yi*n+r]
			sum := 0.0
			for k := r; k < len(z); k += n {
				e := math.Exp(z[k] - mx)
				z[k] = e
				sum += e
			}
			loss += wi * (mx + math.Log(sum) - zy)
			scale := wi / sum
			for k := r; k < len(z); k += n {
				z[k] *= scale
			}
			z[yi*n+r] -= wi
		}
	}
	// Gradient of the data term.
	g := o.partGrad[c]
	for k := 0; k < m; k++ {
		rk := o.z[k*n+lo : k*n+hi]
		gk := g[k*p : (k+1)*p]
		for j, xj := range o.x {
			gk[j] = floats.Dot(xj[lo:hi], rk)
		}
		if o.intercept {
			g[m*p+k] = floats.Sum(rk)
		}
	}
	o.partLoss[c] = loss
}

// sigmoid is 1/(1+e^-z) without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
