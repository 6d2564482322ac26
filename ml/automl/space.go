package automl

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// dim is one searched hyperparameter, mapped to [0, 1].
type dim struct {
	name    string
	lo, hi  float64
	log     bool
	integer bool
}

func (d dim) value(u float64) float64 {
	u = math.Min(1, math.Max(0, u))
	var v float64
	if d.log {
		v = math.Exp(math.Log(d.lo) + u*(math.Log(d.hi)-math.Log(d.lo)))
	} else {
		v = d.lo + u*(d.hi-d.lo)
	}
	if d.integer {
		v = math.Round(v)
	}
	return v
}

func (d dim) unit(v float64) float64 {
	v = math.Min(d.hi, math.Max(d.lo, v))
	if d.log {
		return (math.Log(v) - math.Log(d.lo)) / (math.Log(d.hi) - math.Log(d.lo))
	}
	return (v - d.lo) / (d.hi - d.lo)
}

func (d dim) format(u float64) string {
	v := d.value(u)
	if d.integer {
		return strconv.Itoa(int(v))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// gbdtSpace is the GBDT search space around LightGBM's defaults, for
// training sets of n rows: leaves and leaf sizes that cannot fit in n rows
// are left out.
func gbdtSpace(n int) []dim {
	return []dim{
		{name: "num_leaves", lo: 4, hi: math.Max(8, math.Min(512, float64(n)/4)), log: true, integer: true},
		{name: "learning_rate", lo: 0.01, hi: 0.3, log: true},
		{name: "min_data_in_leaf", lo: 2, hi: math.Max(4, math.Min(200, float64(n)/10)), log: true, integer: true},
		{name: "feature_fraction", lo: 0.3, hi: 1},
		{name: "lambda_l2", lo: 1e-3, hi: 30, log: true},
	}
}

// gbdtDefaults are LightGBM's defaults as a point of space (lambda_l2 0 maps
// to the lower end).
func gbdtDefaults(space []dim) []float64 {
	vals := []float64{31, 0.1, 20, 1, 1e-3}
	u := make([]float64, len(space))
	for i, d := range space {
		u[i] = d.unit(vals[i])
	}
	return u
}

// gbdtCandidate turns a point of space into parameters; the number of
// iterations is left to early stopping, capped by the learning rate.
func gbdtCandidate(space []dim, u []float64) Candidate {
	p := make(map[string]string, len(space)+2)
	for i, d := range space {
		p[d.name] = d.format(u[i])
	}
	lr := space[1].value(u[1])
	iters := int(math.Min(2000, math.Max(100, 30/lr)))
	p["num_iterations"] = strconv.Itoa(iters)
	p["early_stopping_round"] = "20"
	return Candidate{Learner: GBDT, Params: p}
}

// localSearch walks a space from an incumbent by random directions, in the
// manner of FLAML's cost-frugal optimization: try x+δu, then x-δu; after
// enough misses halve δ; when δ is tiny, restart from a random point.
type localSearch struct {
	rng      *rand.Rand
	best     []float64
	bestSc   float64
	has      bool
	step     float64
	misses   int
	pending  []float64 // the mirrored point to try after a miss
	lastDir  []float64
	restarts int
}

const (
	initialStep = 0.25
	minStep     = 0.02
)

func newLocalSearch(rng *rand.Rand, start []float64) *localSearch {
	return &localSearch{rng: rng, best: start, step: initialStep}
}

// next proposes the next point to try.
func (s *localSearch) next() []float64 {
	if s.pending != nil {
		p := s.pending
		s.pending = nil
		return p
	}
	dir := make([]float64, len(s.best))
	norm := 0.0
	for i := range dir {
		dir[i] = s.rng.NormFloat64()
		norm += dir[i] * dir[i]
	}
	norm = math.Sqrt(norm)
	x := make([]float64, len(dir))
	mirror := make([]float64, len(dir))
	for i := range dir {
		dir[i] /= norm
		x[i] = clamp01(s.best[i] + s.step*dir[i])
		mirror[i] = clamp01(s.best[i] - s.step*dir[i])
	}
	s.lastDir = dir
	s.pending = mirror
	return x
}

// report tells the search how point x scored (better reports whether it beat
// the incumbent).
func (s *localSearch) report(x []float64, score float64, better func(a, b float64) bool) {
	if !s.has || better(score, s.bestSc) {
		s.best, s.bestSc, s.has = x, score, true
		s.misses = 0
		s.pending = nil
		return
	}
	s.misses++
	if s.misses >= 2*len(x) {
		s.misses = 0
		s.step /= 2
		if s.step < minStep {
			s.restart()
		}
	}
}

func (s *localSearch) restart() {
	s.restarts++
	x := make([]float64, len(s.best))
	for i := range x {
		x[i] = clamp01(s.best[i] + 0.5*(s.rng.Float64()-0.5))
	}
	s.best, s.step, s.pending = x, initialStep, nil
}

func clamp01(v float64) float64 { return math.Min(1, math.Max(0, v)) }

// linearGrid is the order in which linear candidates are tried: the
// regularization strength, from scikit-learn's default outward.
var linearGrid = []float64{1, 0.1, 10, 0.01, 100, 0.3, 3, 0.001, 1000}

// linearCandidate is the i-th linear candidate for task.
func linearCandidate(task string, i int) Candidate {
	v := strconv.FormatFloat(linearGrid[i], 'g', -1, 64)
	if task == Regression {
		return Candidate{Learner: Linear, Params: map[string]string{"alpha": v}}
	}
	return Candidate{Learner: Linear, Params: map[string]string{"c": v}}
}
