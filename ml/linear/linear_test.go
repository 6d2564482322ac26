package linear

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomProblem returns n rows of p standard normal features and labels for
// task drawn from a random linear model, with random positive weights.
func randomProblem(seed uint64, n, p, k int, task Task) (x [][]float64, y, w []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x = make([][]float64, p)
	for j := range x {
		x[j] = make([]float64, n)
		for i := range x[j] {
			x[j][i] = r.NormFloat64()
		}
	}
	y = make([]float64, n)
	w = make([]float64, n)
	for i := range y {
		w[i] = 0.5 + r.Float64()
		s := 0.0
		for j := range x {
			s += x[j][i] * float64(j+1) / float64(p)
		}
		switch task {
		case Regression:
			y[i] = 3 + s + 0.3*r.NormFloat64()
		case Binary:
			if r.Float64() < sigmoid(s) {
				y[i] = 1
			}
		case Multiclass:
			y[i] = float64(int(math.Abs(s+r.NormFloat64())*2) % k)
		}
	}
	return x, y, w
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		task Task
		k    int
	}{{Regression, 1}, {Binary, 2}, {Multiclass, 4}} {
		t.Run(string(tc.task), func(t *testing.T) {
			x, y, w := randomProblem(7, 60, 5, tc.k, tc.task)
			params := Params{Task: tc.task, NumClasses: tc.k, L2: 0.3}
			k, err := checkInput(x, y, w, &params)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := effectiveWeights(y, w, k, params)
			if err != nil {
				t.Fatal(err)
			}
			o := newObjective(tc.task, x, y, ws, numOutputs(tc.task, k), params.L2, true, 1)
			r := rand.New(rand.NewPCG(3, 3))
			theta := make([]float64, o.dim())
			for i := range theta {
				theta[i] = r.NormFloat64()
			}
			grad := make([]float64, o.dim())
			o.eval(theta, grad)
			scratch := make([]float64, o.dim())
			const h = 1e-6
			for i := range theta {
				orig := theta[i]
				theta[i] = orig + h
				fp := o.eval(theta, scratch)
				theta[i] = orig - h
				fm := o.eval(theta, scratch)
				theta[i] = orig
				fd := (fp - fm) / (2 * h)
				if math.Abs(fd-grad[i]) > 1e-6*max(1, math.Abs(fd)) {
					t.Errorf("grad[%d] = %.10g, finite difference %.10g", i, grad[i], fd)
				}
			}
		})
	}
}

func TestCanceledContextStopsFit(t *testing.T) {
	x, y, _ := randomProblem(1, 200, 10, 3, Multiclass)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fit(ctx, x, y, nil, Params{Task: Multiclass, L2: 0.01})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fit(canceled ctx) error = %v, want context.Canceled", err)
	}
	_, err = Fit(ctx, x, y, nil, Params{Task: Regression, Solver: SolverCholesky})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fit(canceled ctx, closed form) error = %v, want context.Canceled", err)
	}
}

// cancelAfter is a context that reports cancellation once Err has been
// called more than n times, to stop a fit mid-way deterministically.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	c.n--
	if c.n < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

func TestDeadlineMidFitReturnsBestSoFar(t *testing.T) {
	x, y, _ := randomProblem(2, 300, 8, 2, Binary)
	for _, tc := range []struct {
		name string
		p    Params
		// start is the most ctx checks a fit makes before its first step:
		// L-BFGS checks at every evaluation, OWL-QN once per iteration.
		start int
	}{
		{"L-BFGS", Params{Task: Binary, Tol: 1e-12}, 4},
		{"OWL-QN", Params{Task: Binary, Tol: 1e-12, L1: 1e-3}, 0},
	} {
		full, err := Fit(context.Background(), x, y, nil, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Fit(&cancelAfter{Context: context.Background(), n: 10}, x, y, nil, tc.p)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: Fit error = %v, want context.DeadlineExceeded", tc.name, err)
		}
		if m == nil || m.Converged || m.Iterations == 0 {
			t.Fatalf("%s: Fit stopped mid-way returned %+v, want a partial, unconverged model", tc.name, m)
		}
		if m.Iterations >= full.Iterations || m.Objective < full.Objective {
			t.Errorf("%s: partial fit: %d iterations, objective %v; full: %d, %v", tc.name, m.Iterations, m.Objective, full.Iterations, full.Objective)
		}
		// Cut before its first step, a fit has nothing better than its
		// start to give: no model.
		for n := range tc.start + 1 {
			if m, err := Fit(&cancelAfter{Context: context.Background(), n: n}, x, y, nil, tc.p); m != nil || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s: Fit cut after %d checks = %+v, %v; want no model and context.DeadlineExceeded", tc.name, n, m, err)
			}
		}
	}
}

func TestPredictSingleMatchesBatchWithoutAllocating(t *testing.T) {
	for _, tc := range []struct {
		task Task
		k    int
	}{{Regression, 1}, {Binary, 2}, {Multiclass, 3}} {
		t.Run(string(tc.task), func(t *testing.T) {
			x, y, w := randomProblem(5, 100, 4, tc.k, tc.task)
			m, err := Fit(context.Background(), x, y, w, Params{Task: tc.task, NumClasses: tc.k, L2: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			batch := m.PredictProbaBatch(x)
			labels := m.PredictBatch(x)
			row := make([]float64, len(x))
			out := make([]float64, m.NumOutputs())
			for i := range y {
				for j := range x {
					row[j] = x[j][i]
				}
				m.PredictProba(row, out)
				if !cmp.Equal(out, batch[i], cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })) {
					t.Fatalf("row %d: PredictProba = %v, batch %v", i, out, batch[i])
				}
				if got := m.Predict(row); got != labels[i] {
					t.Fatalf("row %d: Predict = %v, PredictBatch %v", i, got, labels[i])
				}
				if tc.task != Regression {
					sum := 0.0
					for _, p := range out {
						sum += p
					}
					if math.Abs(sum-1) > 1e-12 {
						t.Fatalf("row %d: probabilities sum to %v", i, sum)
					}
				}
			}
			allocs := testing.AllocsPerRun(100, func() {
				m.PredictProba(row, out)
				_ = m.Predict(row)
			})
			if allocs != 0 {
				t.Errorf("single-row predict allocates %v times, want 0", allocs)
			}
		})
	}
}

func TestModelJSONRoundTrip(t *testing.T) {
	x, y, _ := randomProblem(9, 80, 3, 3, Multiclass)
	m, err := Fit(context.Background(), x, y, nil, Params{Task: Multiclass, L2: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, &back); diff != "" {
		t.Errorf("JSON round trip changed the model (-want +got):\n%s", diff)
	}
	var fields map[string]any
	_ = json.Unmarshal(data, &fields)
	for _, key := range []string{"task", "numFeatures", "numClasses", "coefficients", "intercepts"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("JSON lacks %q: %s", key, data)
		}
	}
	sum := 0.0
	for _, b := range m.Intercepts {
		sum += b
	}
	if math.Abs(sum) > 1e-12 {
		t.Errorf("multiclass intercepts sum to %v, want 0 (centered)", sum)
	}
}

func TestClassWeightsShiftDecisions(t *testing.T) {
	// An imbalanced problem: balanced weights must raise recall on the rare
	// class.
	x, y, _ := randomProblem(11, 400, 3, 2, Binary)
	for i := range y {
		if y[i] == 1 && i%4 != 0 {
			y[i] = 0
		}
	}
	recall := func(p Params) float64 {
		m, err := Fit(context.Background(), x, y, nil, p)
		if err != nil {
			t.Fatal(err)
		}
		pred := m.PredictBatch(x)
		tp, pos := 0.0, 0.0
		for i := range y {
			if y[i] == 1 {
				pos++
				tp += pred[i]
			}
		}
		return tp / pos
	}
	plain, balanced := recall(Params{Task: Binary}), recall(Params{Task: Binary, BalancedClassWeights: true})
	if balanced <= plain {
		t.Errorf("recall with balanced weights %.3f, without %.3f; want higher with", balanced, plain)
	}
}

func TestBadInput(t *testing.T) {
	good := [][]float64{{1, 2, 3}}
	for name, tc := range map[string]struct {
		x    [][]float64
		y, w []float64
		p    Params
	}{
		"no rows":        {[][]float64{{}}, nil, nil, Params{Task: Regression}},
		"ragged":         {[][]float64{{1, 2}}, []float64{1, 2, 3}, nil, Params{Task: Regression}},
		"NaN feature":    {[][]float64{{1, math.NaN(), 3}}, []float64{0, 1, 0}, nil, Params{Task: Binary}},
		"label 2 binary": {good, []float64{0, 1, 2}, nil, Params{Task: Binary}},
		"fraction label": {good, []float64{0, 0.5, 1}, nil, Params{Task: Multiclass}},
		"negative L2":    {good, []float64{0, 1, 0}, nil, Params{Task: Binary, L2: -1}},
		"weights length": {good, []float64{0, 1, 0}, []float64{1}, Params{Task: Binary}},
		"zero weights":   {good, []float64{0, 1, 0}, []float64{0, 0, 0}, Params{Task: Binary}},
		"unknown task":   {good, []float64{0, 1, 0}, nil, Params{Task: "ranking"}},
		"class weights":  {good, []float64{0, 1, 0}, nil, Params{Task: Binary, ClassWeights: []float64{1}}},
		"one class":      {good, []float64{1, 1, 1}, nil, Params{Task: Binary}},
		"one weighted":   {good, []float64{0, 1, 1}, []float64{0, 1, 1}, Params{Task: Multiclass, NumClasses: 3}},
		"negative L1":    {good, []float64{0, 1, 0}, nil, Params{Task: Binary, L1: -1}},
	} {
		if _, err := Fit(context.Background(), tc.x, tc.y, tc.w, tc.p); !errors.Is(err, ErrBadInput) {
			t.Errorf("%s: Fit error = %v, want ErrBadInput", name, err)
		}
	}
}

func TestCollinearWithoutPenaltyFallsBack(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6}
	x := [][]float64{a, a} // identical columns: singular normal equations
	y := []float64{2, 4, 6, 8, 10, 12}
	m, err := Fit(context.Background(), x, y, nil, Params{Task: Regression})
	if err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if got := m.Predict([]float64{a[i], a[i]}); math.Abs(got-y[i]) > 1e-4 {
			t.Errorf("Predict(row %d) = %v, want %v", i, got, y[i])
		}
	}
}

func TestElasticNetDefaultsAndDeadline(t *testing.T) {
	x, y, w := randomProblem(4, 300, 12, 3, Multiclass)
	p := Params{Task: Multiclass, L1: 0.01, L2: 0.01}
	m, err := Fit(context.Background(), x, y, w, p)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Converged {
		t.Errorf("elastic net not converged after %d iterations", m.Iterations)
	}
	zeros := 0
	for _, row := range m.Coefficients {
		for _, v := range row {
			if v == 0 {
				zeros++
			}
		}
	}
	if zeros == 0 {
		t.Errorf("elastic net with L1 %v set no coefficient to zero: %v", p.L1, m.Coefficients)
	}
	ctx := &cancelAfter{Context: context.Background(), n: 3}
	partial, err := Fit(ctx, x, y, w, p)
	if !errors.Is(err, context.DeadlineExceeded) || partial == nil || partial.Objective < m.Objective {
		t.Errorf("elastic net under deadline = %v, %v; want a partial model and DeadlineExceeded", partial, err)
	}
}

func TestWorkersDoNotChangeTheModel(t *testing.T) {
	x, y, w := randomProblem(6, 3*minChunkRows+17, 6, 4, Multiclass)
	var models []*Model
	for _, workers := range []int{1, 2, 5} {
		m, err := Fit(context.Background(), x, y, w, Params{Task: Multiclass, L2: 1e-3, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	for i := 1; i < len(models); i++ {
		if diff := cmp.Diff(models[0], models[i]); diff != "" {
			t.Errorf("model with more workers differs (-1 worker +more):\n%s", diff)
		}
	}
}

func TestNoInterceptAndValidate(t *testing.T) {
	x, y, _ := randomProblem(12, 200, 3, 1, Regression)
	m, err := Fit(context.Background(), x, y, nil, Params{Task: Regression, NoIntercept: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Intercepts[0] != 0 {
		t.Errorf("NoIntercept fit has intercept %v", m.Intercepts[0])
	}
	with, _ := Fit(context.Background(), x, y, nil, Params{Task: Regression})
	if math.Abs(with.Intercepts[0]-3) > 0.2 || with.Objective >= m.Objective {
		t.Errorf("intercept %v (want about 3), objective %v (want below the no-intercept %v)", with.Intercepts[0], with.Objective, m.Objective)
	}
	if err := with.Validate(); err != nil {
		t.Errorf("Validate(fitted model) = %v", err)
	}
	broken := *with
	broken.Coefficients = [][]float64{{1, 2}}
	if err := broken.Validate(); !errors.Is(err, ErrBadInput) {
		t.Errorf("Validate(short coefficient row) = %v, want ErrBadInput", err)
	}
	broken = *with
	broken.Task = Multiclass
	if err := broken.Validate(); !errors.Is(err, ErrBadInput) {
		t.Errorf("Validate(multiclass without classes) = %v, want ErrBadInput", err)
	}
}
