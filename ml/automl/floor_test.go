package automl

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// floorSearcher is a timed search of breast_cancer validated on a holdout,
// with its floor fit.
func floorSearcher(t *testing.T) *searcher {
	t.Helper()
	d := load(t, "breast_cancer.csv", Binary)
	cfg := Config{Deadline: time.Now().Add(time.Hour), CVRows: 100, Seed: 1}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &searcher{d: d, cfg: &cfg, metric: mustMetric(t, "logloss"), sch: sch, start: time.Now(), first: Candidate{Learner: GBDT}}
	s.fitFloor(context.Background())
	if s.floor == nil || s.floor.gbdt == nil || s.floorCut {
		t.Fatalf("floor = %+v (cut %v), want LightGBM's defaults fit on all rows", s.floor, s.floorCut)
	}
	want, err := gbdt.Train(context.Background(), mustParams(t, d, cfg.Seed), treeDataset(d, nil), gbdt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gj, err := json.Marshal(s.floor.gbdt)
	if err != nil {
		t.Fatal(err)
	}
	wj, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(wj), string(gj)); diff != "" {
		t.Fatalf("floor differs from LightGBM's defaults fit on all rows (-want +got):\n%.1000s", diff)
	}
	return s
}

func mustParams(t *testing.T, d *Data, seed uint64) gbdt.Params {
	t.Helper()
	p, err := gbdtParams(d, Candidate{Learner: GBDT}, &Config{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFloorIsTheRefitOfTheDefaults: when the first candidate wins and there
// is no time to refit it, the floor (its fit on all rows) is deployed, not
// the model trained on the training split.
func TestFloorIsTheRefitOfTheDefaults(t *testing.T) {
	s := floorSearcher(t)
	tr := s.evaluate(context.Background(), s.first)
	if tr.Status != "ok" || tr.holdout == nil {
		t.Fatalf("trial = %+v, want an ok trial holding its holdout model", tr)
	}
	tr.Seconds = 3600 // as if refitting would take an hour
	s.trials = []Trial{tr}
	s.cfg.Deadline = time.Now().Add(time.Second)
	res, err := s.finish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Members) != 1 || res.Members[0].GBDT != s.floor.gbdt {
		t.Errorf("deployed %+v, want the floor model", res.Members)
	}
}

// TestFloorStandsInWhenNoTrialFinishes: with no finished trial the floor is
// deployed as it is, without another fit.
func TestFloorStandsInWhenNoTrialFinishes(t *testing.T) {
	s := floorSearcher(t)
	s.trials = []Trial{{Candidate: s.first, Status: "timeout"}}
	s.cfg.Deadline = time.Now() // no time left for any fit
	res, err := s.finish(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Members) != 1 || res.Members[0].GBDT != s.floor.gbdt {
		t.Errorf("deployed %+v, want the floor model", res.Members)
	}
}

// TestFloorTimesTheFirstTrial: with the floor fit, a trial of the first
// candidate that cannot end before the deadline is not started.
func TestFloorTimesTheFirstTrial(t *testing.T) {
	s := floorSearcher(t)
	s.floorSeconds = 2 * 3600 // as if the fit on all rows had taken two hours
	if s.affordable(s.first) {
		t.Errorf("affordable(first) = true with a floor fit of two hours and an hour left, want false")
	}
	if !s.affordable(Candidate{Learner: Linear}) {
		t.Errorf("affordable(linear) = false, want true (no estimate for another learner)")
	}
	s.floorSeconds = 0.01
	if !s.affordable(s.first) {
		t.Errorf("affordable(first) = false with a floor fit of 10 ms, want true")
	}
}
