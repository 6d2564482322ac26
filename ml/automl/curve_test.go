package automl

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// TestCrossValidationScoresOneIterationCount: a GBDT candidate with early
// stopping is scored, on every fold, at the one iteration count that early
// stopping on the mean of the folds' full validation curves chooses (as
// lightgbm.cv), not at each fold's own best iteration.
func TestCrossValidationScoresOneIterationCount(t *testing.T) {
	d := load(t, "wine.csv", Multiclass)
	cfg := Config{Trials: 1, Seed: 3}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &searcher{d: d, cfg: &cfg, metric: mustMetric(t, "logloss"), sch: sch}
	const maxIter, patience = 300, 20
	params := map[string]string{"num_iterations": strconv.Itoa(maxIter), "early_stopping_round": strconv.Itoa(patience), "num_leaves": "6", "min_data_in_leaf": "4", "learning_rate": "0.1"}
	tr := s.evaluate(context.Background(), Candidate{Learner: GBDT, Params: params})
	if tr.Status != "ok" {
		t.Fatalf("trial = %s %s, want ok", tr.Status, tr.Note)
	}

	// Every fold's whole curve, to the cap, without early stopping.
	full := map[string]string{}
	for k, v := range params {
		if k != "early_stopping_round" {
			full[k] = v
		}
	}
	p, err := gbdtParams(d, Candidate{Learner: GBDT, Params: full}, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	curves := make([][]float64, len(sch.folds))
	ownBest := make([]int, len(sch.folds))
	for fi, f := range sch.folds {
		opt := gbdt.Options{Valid: treeDataset(d, f.Valid), OnIteration: func(_ int, v float64) bool {
			curves[fi] = append(curves[fi], v)
			return true
		}}
		if _, err := gbdt.Train(context.Background(), p, treeDataset(d, f.Train), opt); err != nil {
			t.Fatal(err)
		}
		// The fold's own early-stopped best, as each fold chose before.
		for i, v := range curves[fi] {
			if i+1-ownBest[fi] >= patience && ownBest[fi] > 0 {
				break
			}
			if ownBest[fi] == 0 || v < curves[fi][ownBest[fi]-1] {
				ownBest[fi] = i + 1
			}
		}
	}
	want, wantV := 0, math.Inf(1)
	for i := 1; i <= maxIter && i-want < patience; i++ {
		mean := 0.0
		for _, c := range curves {
			mean += c[min(i, len(c))-1] // a fold that stopped splitting keeps its last value
		}
		if mean /= float64(len(curves)); mean < wantV {
			want, wantV = i, mean
		}
	}
	if tr.Iterations != want {
		t.Errorf("chosen iterations = %d, want %d (best of the mean curve)", tr.Iterations, want)
	}
	differ := 0
	for _, b := range ownBest {
		if b != want {
			differ++
		}
	}
	if differ == 0 {
		t.Fatalf("every fold's own best is %d: the data do not tell one count from per-fold counts", want)
	}

	// Out-of-fold predictions are those of every fold fit to exactly that count.
	fixed := map[string]string{}
	for k, v := range full {
		fixed[k] = v
	}
	fixed["num_iterations"] = strconv.Itoa(want)
	w := width(d)
	oof := make([]float64, sch.size()*w)
	for fi, f := range sch.folds {
		m, err := fit(context.Background(), d, Candidate{Learner: GBDT, Params: fixed}, &cfg, f.Train, nil)
		if err != nil {
			t.Fatal(err)
		}
		preds := make([]float64, len(f.Valid)*w)
		if err := predict(d, m, f.Valid, preds); err != nil {
			t.Fatal(err)
		}
		for i, r := range f.Valid {
			copy(oof[(sch.rep[fi]*len(sch.oofRows)+sch.pos[r])*w:], preds[i*w:(i+1)*w])
		}
	}
	approx := cmpopts.EquateApprox(0, 1e-12)
	if diff := cmp.Diff(oof, tr.oof, approx); diff != "" {
		t.Errorf("out-of-fold predictions differ from every fold fit to %d iterations (-want +got):\n%s", want, diff)
	}
	folds, score := s.score(oof)
	if !cmp.Equal(tr.FoldScores, folds, approx) || !cmp.Equal(tr.Score, score, approx) {
		t.Errorf("scores = %v (mean %v), want %v (mean %v) at %d iterations on every fold", tr.FoldScores, tr.Score, folds, score, want)
	}
	if got := refitCandidate(tr).Params["num_iterations"]; got != strconv.Itoa(int(math.Round(float64(want)*1.1))) {
		t.Errorf("refit num_iterations = %s, want 1.1 x %d", got, want)
	}
}

func TestChooseIteration(t *testing.T) {
	lower := func(a, b float64) bool { return a < b }
	tests := []struct {
		name     string
		runs     []foldCurve
		patience int
		iter     int
		settled  bool
	}{
		{
			name:     "mean settles",
			runs:     []foldCurve{{values: []float64{5, 3, 2, 4, 5, 6}}, {values: []float64{5, 4, 3, 1, 2, 3}}},
			patience: 2, iter: 3, settled: true, // means 5, 3.5, 2.5, 2.5, 3.5, 4.5
		},
		{
			name:     "a short fold keeps the mean open",
			runs:     []foldCurve{{values: []float64{5, 3, 2}}, {values: []float64{5, 4, 3, 1, 0.5, 0.4}}},
			patience: 2, iter: 3, settled: false,
		},
		{
			name:     "a finished fold keeps its last value",
			runs:     []foldCurve{{values: []float64{5, 3, 2}, done: true}, {values: []float64{5, 4, 3, 1, 0.5, 0.4, 0.6, 0.7}}},
			patience: 2, iter: 6, settled: true,
		},
	}
	for _, tc := range tests {
		iter, settled, _ := chooseIteration(tc.runs, tc.patience, lower)
		if iter != tc.iter || settled != tc.settled {
			t.Errorf("%s: chooseIteration = %d, settled %v; want %d, %v", tc.name, iter, settled, tc.iter, tc.settled)
		}
	}
}

// TestResumeRefusesRecordsOfPerFoldIterations: records of a search that
// scored each fold at its own best iteration (fingerprinted without a
// scoring version) are refused.
func TestResumeRefusesRecordsOfPerFoldIterations(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	recs := records(t, d, 5, 2)
	cfg := Config{Seed: 5}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	old := legacyFingerprint(d, sch, cfg.Seed)
	for i := range recs {
		recs[i].Fingerprint = old
	}
	_, err = Search(context.Background(), d, Config{Trials: 3, Seed: 5, Resume: recs})
	if !errors.Is(err, ErrResumeMismatch) {
		t.Errorf("Search(records fingerprinted before scoring version 2) error = %v, want ErrResumeMismatch", err)
	}
}

// legacyFingerprint is the fingerprint as searches computed it before
// recordVersion was hashed.
func legacyFingerprint(d *Data, sch *scheme, seed uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(seed)
	put(uint64(width(d)))
	put(uint64(len(sch.folds)))
	put(uint64(sch.repeats))
	for _, r := range sch.oofRows {
		put(uint64(r))
		put(math.Float64bits(d.Label[r]))
	}
	return h.Sum64()
}
