package gbdt

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	p, err := ParseParams("binary", "n_estimators=7, eta=0.2,num_leaf=15,min_child_samples=3,reg_lambda=1.5,subsample=0.5,subsample_freq=2,verbosity=-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.NumIterations != 7 || p.LearningRate != 0.2 || p.NumLeaves != 15 || p.MinDataInLeaf != 3 ||
		p.LambdaL2 != 1.5 || p.BaggingFraction != 0.5 || p.BaggingFreq != 2 {
		t.Errorf("ParseParams(aliases) = %+v", p)
	}
	d := DefaultParams("regression")
	if d.NumIterations != 100 || d.LearningRate != 0.1 || d.NumLeaves != 31 || d.MaxDepth != -1 ||
		d.MinDataInLeaf != 20 || d.MinSumHessianInLeaf != 1e-3 || d.MaxBin != 255 || d.MinDataInBin != 3 {
		t.Errorf("DefaultParams = %+v, want LightGBM's defaults", d)
	}
	for _, bad := range []string{"num_leafs=3", "learning_rate=fast", "objective=poisson", "metric=foo", "noequals"} {
		if _, err := ParseParams("binary", bad); err == nil {
			t.Errorf("ParseParams(%q) = nil error, want an error", bad)
		}
	}
	if _, err := ParseParams("binary", "num_leafs=3"); err == nil || !strings.Contains(err.Error(), "num_leafs") {
		t.Errorf("ParseParams(num_leafs=3) error = %v, want it to name the parameter", err)
	}
}

func TestGreedyFindBin(t *testing.T) {
	// 10 distinct values with counts 1..10, min_data_in_bin 3: a bin closes
	// once it holds >= 3 rows.
	var sample []float64
	for v := 1; v <= 10; v++ {
		for c := 0; c < v; c++ {
			sample = append(sample, float64(v))
		}
	}
	m := newNumericalMapper(sample, 255, 3)
	// zero bin (kZero) first, then cuts after 2 (1+2=3 rows), 3, 4, ... 9.
	want := []float64{float64(float32(kZero)), 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, math.Inf(1)}
	if len(m.upper) != len(want) {
		t.Fatalf("upper bounds = %v, want %v", m.upper, want)
	}
	for i := range want {
		if m.upper[i] != want[i] {
			t.Fatalf("upper bounds = %v, want %v", m.upper, want)
		}
	}
	// Many distinct values: at most max_bin bins, zero in its own bin.
	sample = sample[:0]
	for i := -5000; i <= 5000; i++ {
		sample = append(sample, float64(i)*0.37)
	}
	m = newNumericalMapper(sample, 255, 3)
	if m.numBins > 255 {
		t.Errorf("numBins = %d, want <= 255", m.numBins)
	}
	zb := m.valueToBin(0)
	if m.valueToBin(0.37) == zb || m.valueToBin(-0.37) == zb {
		t.Errorf("zero shares a bin with ±0.37: bins %d %d %d", m.valueToBin(-0.37), zb, m.valueToBin(0.37))
	}
	// Thresholds are float32 values that separate neighbours on float32 input.
	for _, u := range m.upper[:len(m.upper)-1] {
		if float64(float32(u)) != u {
			t.Errorf("threshold %v is not a float32 value", u)
		}
	}
	if got := splitThreshold(1, 1+1e-12); !(got >= 1 && got < 1+1e-12) {
		t.Errorf("splitThreshold(1, 1+1e-12) = %v, want in [1, 1+1e-12)", got)
	}
}

func TestMissingValues(t *testing.T) {
	d := synth(8000, 10)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=30"), d, Options{})
	if !m.Features[1].HasMissing || m.Features[0].HasMissing {
		t.Fatalf("HasMissing = %v, %v, want true for b, false for a", m.Features[1].HasMissing, m.Features[0].HasMissing)
	}
	// NaN in b raises the log-odds by 1.5 in the data: the model must have
	// learned a direction that makes NaN rows more positive than b = 0.
	x := []float64{0, 0, 0, 0, 0, 0, 1}
	out := []float64{0}
	m.PredictRaw(x, out)
	atZero := out[0]
	x[1] = math.NaN()
	m.PredictRaw(x, out)
	if out[0] <= atZero+0.5 {
		t.Errorf("raw score with b = NaN is %.3f, with b = 0 is %.3f; want NaN clearly higher", out[0], atZero)
	}
	// A NaN in a feature with no NaN in training goes where 0 goes.
	x[1] = 0
	for j := range []int{0, 2, 3, 4, 5} {
		x[j] = 0
	}
	m.PredictRaw(x, out)
	zero := out[0]
	x[0] = math.NaN()
	m.PredictRaw(x, out)
	if out[0] != zero {
		t.Errorf("raw score with a = NaN is %v, want %v (as a = 0)", out[0], zero)
	}
	for _, tr := range m.Trees {
		for _, n := range tr.Nodes {
			if !n.Leaf && !n.Categorical && !m.Features[n.Feature].HasMissing && n.DefaultLeft != (0 <= n.Threshold) {
				t.Fatalf("node on %s: DefaultLeft = %v with threshold %v, want NaN to follow 0", m.Features[n.Feature].Name, n.DefaultLeft, n.Threshold)
			}
		}
	}
}

func TestCategoricalSplits(t *testing.T) {
	d := synth(20000, 11)
	// Make the label depend on the category set {0, 3, 6, 9} only.
	for i, c := range d.Features[6].Values {
		d.Label[i] = 0
		if int(c)%3 == 0 {
			d.Label[i] = 1
		}
	}
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=5,num_leaves=2"), d, Options{})
	root := m.Trees[0].Nodes[0]
	if !root.Categorical || root.Feature != 6 {
		t.Fatalf("root split = %+v, want a categorical split on feature 6", root)
	}
	in := map[int]bool{}
	for _, c := range root.Categories {
		in[c] = true
	}
	// Either side may hold the positive set.
	pos := in[0]
	for c := 0; c < 12; c++ {
		if in[c] != (pos == (c%3 == 0)) {
			t.Fatalf("root categories = %v, want {0,3,6,9} or its complement", root.Categories)
		}
	}
	// Unseen and missing categories go right.
	if root.GoesLeft(99) || root.GoesLeft(math.NaN()) || root.GoesLeft(-1) {
		t.Errorf("unseen/NaN/negative categories go left, want right")
	}
}

func TestEarlyStopping(t *testing.T) {
	d := synth(6000, 12)
	tr, va := splitEvery(d, 3)
	var hist []float64
	p := mustParams(t, "binary", "num_iterations=1000,learning_rate=0.3,early_stopping_round=5")
	m := mustTrain(t, p, tr, Options{Valid: va, OnIteration: func(_ int, v float64) bool { hist = append(hist, v); return true }})
	if m.Iterations >= 1000 || len(hist) != m.Iterations+5 {
		t.Fatalf("kept %d iterations after %d evaluated, want early stop with 5 rounds of patience", m.Iterations, len(hist))
	}
	best := hist[m.Iterations-1]
	for i, v := range hist {
		if v < best {
			t.Errorf("iteration %d logloss %v beats the kept iteration %d (%v)", i+1, v, m.Iterations, best)
		}
	}
	raw, _ := m.PredictDataset(va, true)
	if got := Evaluate("binary_logloss", raw, 1, va.Label, nil, 1); math.Abs(got-best) > 1e-9 {
		t.Errorf("validation logloss of the kept model = %v, want %v", got, best)
	}
}

func TestBudgetStop(t *testing.T) {
	d := synth(3000, 13)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := mustParams(t, "binary", "num_iterations=100")
	m, err := Train(ctx, p, d, Options{OnIteration: func(it int, _ float64) bool {
		if it == 3 {
			cancel()
		}
		return true
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Train error = %v, want context.Canceled", err)
	}
	if m == nil || m.Iterations != 3 || len(m.Trees) != 3 {
		t.Fatalf("model after stop has %v iterations, want 3", m)
	}
}

func TestWeightsAndUnbalance(t *testing.T) {
	d := synth(4000, 14)
	base := mustTrain(t, mustParams(t, "binary", "num_iterations=10"), d, Options{})
	w := make([]float64, len(d.Label))
	for i, y := range d.Label {
		w[i] = 1
		if y == 1 {
			w[i] = 3
		}
	}
	d2 := *d
	d2.Weight = w
	weighted := mustTrain(t, mustParams(t, "binary", "num_iterations=10"), &d2, Options{})
	spw := mustTrain(t, mustParams(t, "binary", "num_iterations=10,scale_pos_weight=3"), d, Options{})
	if weighted.InitScore[0] <= base.InitScore[0] {
		t.Errorf("init score with positive weight 3 = %v, want above %v", weighted.InitScore[0], base.InitScore[0])
	}
	pb, _ := base.PredictDataset(d, false)
	ps, _ := spw.PredictDataset(d, false)
	mb, ms := 0.0, 0.0
	for i := range pb {
		mb += pb[i]
		ms += ps[i]
	}
	if ms <= mb {
		t.Errorf("mean probability with scale_pos_weight=3 = %v, want above %v", ms/float64(len(pb)), mb/float64(len(pb)))
	}
}

// TestLightGBMParity checks the first tree on breast_cancer (rows with
// index % 4 != 3, LightGBM defaults) against the model dump of LightGBM
// 4.7.0 on the same rows.
func TestLightGBMParity(t *testing.T) {
	d := loadCSV(t, "breast_cancer.csv", "diagnosis", false)
	tr, _ := splitEvery(d, 4)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=1"), tr, Options{})
	const lgbInit = -0.482198902339554 // log-odds of the positive rate
	if math.Abs(m.InitScore[0]-lgbInit) > 1e-9 {
		t.Errorf("init score = %v, want %v", m.InitScore[0], lgbInit)
	}
	root := m.Trees[0].Nodes[0]
	if root.Feature != 22 || root.Threshold != 111.5 || math.Abs(root.Gain-305.234) > 1e-3 {
		t.Errorf("root split = feature %d <= %v gain %v, want feature 22 (worst_perimeter) <= 111.5 gain 305.234", root.Feature, root.Threshold, root.Gain)
	}
	if got := m.Trees[0].NumLeaves(); got != 9 {
		t.Errorf("first tree has %d leaves, want 9", got)
	}
	// LightGBM leaf outputs include the init score.
	want := map[float64]bool{-0.6227560496153889: false, -0.40182382889650003: false}
	for _, n := range m.Trees[0].Nodes {
		if n.Leaf {
			for w := range want {
				if math.Abs(n.Value+m.InitScore[0]-w) < 1e-9 {
					want[w] = true
				}
			}
		}
	}
	for w, ok := range want {
		if !ok {
			t.Errorf("no leaf with LightGBM's value %v", w)
		}
	}
}
