package gbdt

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// synth makes a binary dataset with n rows: numerical features (some with
// NaN), one categorical feature, and a label that depends on all of them.
func synth(n int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{}
	const nf = 6
	cols := make([][]float64, nf)
	for j := range cols {
		cols[j] = make([]float64, n)
	}
	cat := make([]float64, n)
	d.Label = make([]float64, n)
	for i := 0; i < n; i++ {
		for j := range cols {
			cols[j][i] = rng.NormFloat64()
		}
		cols[5][i] = math.Round(cols[5][i] * 3) // few distinct values, zeros
		if rng.IntN(10) == 0 {
			cols[1][i] = math.NaN()
		}
		cat[i] = float64(rng.IntN(12))
		z := cols[0][i] + 0.5*cols[2][i]*cols[3][i] - 0.3*cols[5][i]
		if math.IsNaN(cols[1][i]) {
			z += 1.5
		} else {
			z += 0.5 * cols[1][i]
		}
		if int(cat[i])%3 == 0 {
			z += 1
		}
		if z+rng.NormFloat64()*0.5 > 0.5 {
			d.Label[i] = 1
		}
	}
	for j, c := range cols {
		d.Features = append(d.Features, Feature{Name: string(rune('a' + j)), Values: c})
	}
	d.Features = append(d.Features, Feature{Name: "cat", Values: cat, Categorical: true})
	return d
}

func TestSubtractionEqualsDirect(t *testing.T) {
	d := synth(5000, 1)
	p := mustParams(t, "binary", "num_leaves=8")
	b, err := NewBinned(d, p)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := newObjective(&p, b.label, nil)
	if err != nil {
		t.Fatal(err)
	}
	score := make([]float64, b.n)
	grad, hess := make([]float32, b.n), make([]float32, b.n)
	obj.gradients(score, grad, hess, 0, b.n)
	gr := newGrower(b, p, 2, rand.New(rand.NewPCG(1, 2)))
	defer gr.close()
	gr.sampleFeatures()
	// Grow a tree stopping before the last split, so every leaf keeps the
	// histogram it got by direct build or by subtraction.
	gr.p.NumLeaves = 7
	_, leaves := gr.grow(grad, hess, nil, 0.1)
	if leaves < 4 {
		t.Fatalf("grew %d leaves, want at least 4", leaves)
	}
	spare := p.NumLeaves - 1 // a slot no leaf uses
	checked := 0
	for l := 0; l < leaves; l++ {
		if !gr.histOK[l] {
			continue
		}
		checked++
		got := append([]float64(nil), gr.slot(gr.slotOf[l])...)
		gr.buildHist(l, spare, grad, hess, false)
		want := gr.slot(spare)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
				t.Fatalf("leaf %d histogram[%d] = %v by subtraction, want %v (direct)", l, i, got[i], want[i])
			}
		}
	}
	if checked < 4 {
		t.Errorf("checked %d leaf histograms, want at least 4", checked)
	}
}

func TestParallelEqualsSerial(t *testing.T) {
	d := synth(20000, 2)
	var prev []byte
	for _, threads := range []string{"1", "2", "4"} {
		p := mustParams(t, "binary", "num_iterations=20,bagging_fraction=0.8,bagging_freq=1,feature_fraction=0.8,num_threads="+threads)
		m := mustTrain(t, p, d, Options{})
		m.Params = nil
		js, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if prev != nil && string(js) != string(prev) {
			t.Fatalf("model with num_threads=%s differs from num_threads=1", threads)
		}
		prev = js
	}
}

func TestRawPredictionEqualsBinned(t *testing.T) {
	for _, obj := range []string{"binary", "multiclass", "regression"} {
		d := synth(3000, 3)
		ps := "num_iterations=30"
		if obj == "multiclass" {
			for i := range d.Label {
				d.Label[i] = float64(int(d.Label[i]) + int(d.Features[6].Values[i])%2)
			}
			ps += ",num_class=3"
		}
		if obj == "regression" {
			for i := range d.Label {
				d.Label[i] += d.Features[0].Values[i]
			}
		}
		p := mustParams(t, obj, ps)
		b, err := NewBinned(d, p)
		if err != nil {
			t.Fatal(err)
		}
		m, score, err := trainBinned(context.Background(), p, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := m.PredictDataset(d, true)
		if err != nil {
			t.Fatal(err)
		}
		k := m.NumOutputs()
		n := d.NumRows()
		// Also from float32-cast inputs: the thresholds are float32 values.
		cols32 := make([][]float64, len(d.Features))
		for j, f := range d.Features {
			cols32[j] = make([]float64, n)
			for i, v := range f.Values {
				cols32[j][i] = float64(float32(v))
			}
		}
		raw32, err := m.PredictColumns(cols32, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			for c := 0; c < k; c++ {
				want := score[c*n+i]
				if got := raw[i*k+c]; math.Abs(got-want) > 1e-9 {
					t.Fatalf("%s: raw prediction of row %d output %d = %v, want %v (bins)", obj, i, c, got, want)
				}
				if got := raw32[i*k+c]; math.Abs(got-want) > 1e-9 {
					t.Fatalf("%s: float32-input prediction of row %d output %d = %v, want %v (bins)", obj, i, c, got, want)
				}
			}
		}
	}
}

func TestDeterministicBySeed(t *testing.T) {
	d := synth(5000, 4)
	train := func(seed string) string {
		p := mustParams(t, "binary", "num_iterations=10,bagging_fraction=0.7,bagging_freq=1,feature_fraction=0.7,seed="+seed)
		js, err := json.Marshal(mustTrain(t, p, d, Options{}).Trees)
		if err != nil {
			t.Fatal(err)
		}
		return string(js)
	}
	a, b, c := train("7"), train("7"), train("8")
	if a != b {
		t.Errorf("two trainings with seed 7 differ")
	}
	if a == c {
		t.Errorf("trainings with seeds 7 and 8 are identical, want different samples")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	d := synth(3000, 5)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=10"), d, Options{})
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var m2 Model
	if err := json.Unmarshal(js, &m2); err != nil {
		t.Fatal(err)
	}
	a, _ := m.PredictDataset(d, false)
	b, _ := m2.PredictDataset(d, false)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d: prediction after JSON round trip = %v, want %v", i, b[i], a[i])
		}
	}
	// Tree.Eval (the documented routing) agrees with the compiled predictor.
	x := make([]float64, len(d.Features))
	for i := 0; i < 200; i++ {
		for j := range x {
			x[j] = d.Features[j].Values[i]
		}
		s := m.InitScore[0]
		for t := range m.Trees {
			s += m.Trees[t].Eval(x)
		}
		out := []float64{0}
		m.PredictRaw(x, out)
		if math.Abs(s-out[0]) > 1e-12 {
			t.Fatalf("row %d: Tree.Eval sum = %v, PredictRaw = %v", i, s, out[0])
		}
	}
}

func TestSingleRowNoAlloc(t *testing.T) {
	d := synth(2000, 6)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=20"), d, Options{})
	x := []float64{0.1, math.NaN(), -1, 2, 0, 1, 3}
	out := make([]float64, 1)
	m.Predict(x, out)
	if allocs := testing.AllocsPerRun(100, func() { m.Predict(x, out) }); allocs != 0 {
		t.Errorf("Predict allocates %v times per row, want 0", allocs)
	}
}

// TestPredictPathsAgree feeds NaN, ±Inf, ±0, thresholds and their float32
// neighbours through Tree.Eval (the documented rules), PredictRaw and the
// batch path, which must agree exactly.
func TestPredictPathsAgree(t *testing.T) {
	d := synth(4000, 31)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=30"), d, Options{})
	var special []float64
	for _, tr := range m.Trees {
		for _, n := range tr.Nodes {
			if !n.Leaf && !n.Categorical {
				f := float32(n.Threshold)
				special = append(special, n.Threshold, float64(math.Nextafter32(f, 1e38)), float64(math.Nextafter32(f, -1e38)))
			}
		}
	}
	special = append(special, math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), -1, 3, 11, 1e300)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 3001
	cols := make([][]float64, len(d.Features))
	for j := range cols {
		cols[j] = make([]float64, n)
		for i := range cols[j] {
			cols[j][i] = special[rng.IntN(len(special))]
		}
	}
	batch, err := m.PredictColumns(cols, true)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, len(cols))
	out := []float64{0}
	for i := 0; i < n; i++ {
		for j := range cols {
			x[j] = cols[j][i]
		}
		want := m.InitScore[0]
		for t := range m.Trees {
			want += m.Trees[t].Eval(x)
		}
		m.PredictRaw(x, out)
		if out[0] != want || batch[i] != want {
			t.Fatalf("row %v: PredictRaw = %v, batch = %v, want %v (Tree.Eval)", x, out[0], batch[i], want)
		}
	}
}

func TestValidate(t *testing.T) {
	d := synth(2000, 41)
	m := mustTrain(t, mustParams(t, "binary", "num_iterations=5"), d, Options{})
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate(trained model) = %v, want nil", err)
	}
	js, _ := json.Marshal(m)
	breakers := map[string]func(*Model){
		"cycle":        func(m *Model) { m.Trees[0].Nodes[0].Left = 0 },
		"feature":      func(m *Model) { m.Trees[1].Nodes[0].Feature = 99 },
		"init scores":  func(m *Model) { m.InitScore = nil },
		"objective":    func(m *Model) { m.Objective = "poisson" },
		"empty tree":   func(m *Model) { m.Trees[2].Nodes = nil },
		"out of range": func(m *Model) { m.Trees[0].Nodes[0].Right = 1000 },
	}
	for name, br := range breakers {
		var c Model
		if err := json.Unmarshal(js, &c); err != nil {
			t.Fatal(err)
		}
		br(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(model with broken %s) = nil, want an error", name)
		}
	}
}
