package linear

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

// goldenCase is one scikit-learn reference fit from testdata/golden.json
// (written by testdata/gen_golden.py).
type goldenCase struct {
	Name         string      `json:"name"`
	Dataset      string      `json:"dataset"`
	Target       string      `json:"target"`
	Task         Task        `json:"task"`
	L2           float64     `json:"l2"`
	L1           float64     `json:"l1"`
	Balanced     bool        `json:"balanced"`
	Weighted     bool        `json:"weighted"`
	Coefficients [][]float64 `json:"coefficients"`
	Intercepts   []float64   `json:"intercepts"`
	Objective    float64     `json:"objective"`
	LogLoss      float64     `json:"logLoss"`
	ProbaHead    [][]float64 `json:"probaHead"`
	RMSE         float64     `json:"rmse"`
}

// loadStandardized reads a dataset as the golden script does: feature
// columns standardized to mean 0 and population standard deviation 1; the
// target as a number (regression) or as the index of its sorted label.
func loadStandardized(t *testing.T, name, target string, task Task) (x [][]float64, y []float64) {
	t.Helper()
	f, err := os.Open(datasets.MustPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := recs[0], recs[1:]
	var labels []string
	for j, h := range header {
		if h == target {
			for _, r := range rows {
				labels = append(labels, r[j])
			}
			continue
		}
		col := make([]float64, len(rows))
		for i, r := range rows {
			if col[i], err = strconv.ParseFloat(r[j], 64); err != nil {
				t.Fatalf("%s row %d column %s: %v", name, i, h, err)
			}
		}
		mean, sq := 0.0, 0.0
		for _, v := range col {
			mean += v
		}
		mean /= float64(len(col))
		for _, v := range col {
			sq += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(sq / float64(len(col)))
		for i := range col {
			col[i] = (col[i] - mean) / sd
		}
		x = append(x, col)
	}
	names := slices.Clone(labels)
	slices.Sort(names)
	names = slices.Compact(names)
	y = make([]float64, len(labels))
	for i, l := range labels {
		if task == Regression {
			y[i], _ = strconv.ParseFloat(l, 64)
		} else {
			c, _ := slices.BinarySearch(names, l)
			y[i] = float64(c)
		}
	}
	return x, y
}

func cycleWeights(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 + float64(i%3)
	}
	return w
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

func maxAbs(a [][]float64) float64 {
	m := 0.0
	for _, r := range a {
		for _, v := range r {
			m = max(m, math.Abs(v))
		}
	}
	return m
}

func TestMatchesScikitLearn(t *testing.T) {
	for _, gc := range loadGolden(t) {
		for _, solver := range []Solver{SolverAuto, SolverLBFGS} {
			if solver == SolverLBFGS && (gc.Task != Regression || gc.L1 > 0) {
				continue
			}
			t.Run(gc.Name+"/"+string(solver), func(t *testing.T) {
				x, y := loadStandardized(t, gc.Dataset, gc.Target, gc.Task)
				var w []float64
				if gc.Weighted {
					w = cycleWeights(len(y))
				}
				p := Params{Task: gc.Task, L2: gc.L2, L1: gc.L1, BalancedClassWeights: gc.Balanced, Tol: 1e-9, MaxIter: 5000, Solver: solver}
				m, err := Fit(context.Background(), x, y, w, p)
				if err != nil {
					t.Fatal(err)
				}
				// The objective is what both minimize: ours must be as low
				// as scikit-learn's, within rounding.
				if rel := (m.Objective - gc.Objective) / gc.Objective; rel > 1e-8 || rel < -1e-6 {
					t.Errorf("objective = %.12g, scikit-learn %.12g (relative %.2g)", m.Objective, gc.Objective, rel)
				}
				scale := max(1, maxAbs(gc.Coefficients))
				for c := range gc.Coefficients {
					for j, want := range gc.Coefficients[c] {
						if got := m.Coefficients[c][j]; math.Abs(got-want) > 1e-4*scale {
							t.Errorf("coefficient[%d][%d] = %.8g, want %.8g", c, j, got, want)
						}
						if got := m.Coefficients[c][j]; gc.L1 > 0 && (got == 0) != (want == 0) {
							t.Errorf("coefficient[%d][%d] = %v, want %v: the L1 zero pattern differs", c, j, got, want)
						}
					}
					if got, want := m.Intercepts[c], gc.Intercepts[c]; math.Abs(got-want) > 1e-4*scale {
						t.Errorf("intercept[%d] = %.8g, want %.8g", c, got, want)
					}
				}
				proba := m.PredictProbaBatch(x)
				if gc.Task == Regression {
					se := 0.0
					for i, p := range proba {
						se += (p[0] - y[i]) * (p[0] - y[i])
					}
					if got := math.Sqrt(se / float64(len(y))); math.Abs(got-gc.RMSE) > 1e-6*gc.RMSE {
						t.Errorf("training RMSE = %.10g, want %.10g", got, gc.RMSE)
					}
					return
				}
				ll := 0.0
				for i, p := range proba {
					ll -= math.Log(p[int(y[i])])
				}
				if got := ll / float64(len(y)); math.Abs(got-gc.LogLoss) > 1e-5*gc.LogLoss {
					t.Errorf("training log loss = %.10g, want %.10g", got, gc.LogLoss)
				}
				for i, want := range gc.ProbaHead {
					for c := range want {
						if math.Abs(proba[i][c]-want[c]) > 1e-5 {
							t.Errorf("proba[%d][%d] = %.8g, want %.8g", i, c, proba[i][c], want[c])
						}
					}
				}
			})
		}
	}
}

// TestDefaultsConverge checks that the default tolerance, not just a tight
// one, lands on scikit-learn's optimum for practical purposes.
func TestDefaultsConverge(t *testing.T) {
	for _, gc := range loadGolden(t) {
		if gc.Task == Regression || gc.Weighted || gc.Balanced || gc.L1 > 0 {
			continue
		}
		t.Run(gc.Name, func(t *testing.T) {
			x, y := loadStandardized(t, gc.Dataset, gc.Target, gc.Task)
			m, err := Fit(context.Background(), x, y, nil, Params{Task: gc.Task, L2: gc.L2})
			if err != nil {
				t.Fatal(err)
			}
			if !m.Converged {
				t.Errorf("not converged after %d iterations", m.Iterations)
			}
			if rel := (m.Objective - gc.Objective) / gc.Objective; math.Abs(rel) > 1e-6 {
				t.Errorf("objective = %.10g, want %.10g (relative %.2g)", m.Objective, gc.Objective, rel)
			}
			t.Logf("%s: %d iterations", gc.Name, m.Iterations)
		})
	}
}
