package linear

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
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

	z      []float64 // m*n scores, class-major, reused as residuals
	lastX  []float64 // θ of the cached evaluation
	lastF  float64
	lastG  []float64
	cached bool
}

func newObjective(task Task, x [][]float64, y, ws []float64, m int, l2 float64, intercept bool) *objective {
	n, p := len(y), len(x)
	dim := m * p
	if intercept {
		dim += m
	}
	return &objective{
		task: task, x: x, y: y, ws: ws, n: n, p: p, m: m, l2: l2, intercept: intercept,
		z:     make([]float64, m*n),
		lastX: make([]float64, dim),
		lastG: make([]float64, dim),
	}
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

// scores fills o.z with the linear scores of theta.
func (o *objective) scores(theta []float64) {
	n, p := o.n, o.p
	for k := 0; k < o.m; k++ {
		zk := o.z[k*n : (k+1)*n]
		b := 0.0
		if o.intercept {
			b = theta[o.m*p+k]
		}
		for i := range zk {
			zk[i] = b
		}
		w := theta[k*p : (k+1)*p]
		for j, xj := range o.x {
			if w[j] != 0 {
				floats.AddScaled(zk, w[j], xj)
			}
		}
	}
}

// eval returns the objective at theta and writes its gradient into grad.
func (o *objective) eval(theta, grad []float64) float64 {
	o.scores(theta)
	n, p, m := o.n, o.p, o.m
	loss := 0.0
	ws, y := o.ws[:n], o.y[:n]
	switch o.task {
	case Regression:
		z := o.z[:n]
		for i := range z {
			r := z[i] - y[i]
			loss += 0.5 * ws[i] * r * r
			z[i] = ws[i] * r
		}
	case Binary:
		z := o.z[:n]
		for i := range z {
			zi := z[i]
			loss += ws[i] * (softplus(zi) - y[i]*zi)
			z[i] = ws[i] * (sigmoid(zi) - y[i])
		}
	case Multiclass:
		for i := 0; i < n; i++ {
			mx := math.Inf(-1)
			for k := 0; k < m; k++ {
				mx = max(mx, o.z[k*n+i])
			}
			sum := 0.0
			for k := 0; k < m; k++ {
				sum += math.Exp(o.z[k*n+i] - mx)
			}
			lse := mx + math.Log(sum)
			yi := int(y[i])
			loss += ws[i] * (lse - o.z[yi*n+i])
			for k := 0; k < m; k++ {
				pk := math.Exp(o.z[k*n+i] - lse)
				if k == yi {
					pk -= 1
				}
				o.z[k*n+i] = ws[i] * pk
			}
		}
	}
	pen := 0.0
	for k := 0; k < m; k++ {
		rk := o.z[k*n : (k+1)*n]
		w := theta[k*p : (k+1)*p]
		g := grad[k*p : (k+1)*p]
		for j, xj := range o.x {
			g[j] = floats.Dot(xj, rk) + o.l2*w[j]
			pen += w[j] * w[j]
		}
		if o.intercept {
			grad[m*p+k] = floats.Sum(rk)
		}
	}
	return loss + 0.5*o.l2*pen
}

// softplus is log(1+e^z) without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// sigmoid is 1/(1+e^-z) without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
