package automl

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBlendRefitSharesTheFinalTime: when a blend wins, a member whose refit
// on all rows would run for minutes (the first here) is cut at its share of
// the final fits' time, and the member after it is still refit in full,
// whether the slow member's measured trial time foretold its slowness or
// not. Before the members shared the time, the slow one took all of it and
// the search failed for want of the other's refit.
func TestBlendRefitSharesTheFinalTime(t *testing.T) {
	d := load(t, "breast_cancer.csv", Binary)
	slow := Candidate{Learner: GBDT, Params: map[string]string{"num_iterations": "1000000", "learning_rate": "0.001"}}
	quick := linearCandidate(Binary, 0)
	for _, tc := range []struct {
		name                   string
		slowSecs, quickSeconds float64 // the trials' measured times
	}{
		{"slowness measured", 0.4, 0.01},
		{"slowness not measured", 0.01, 0.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := complementaryBlend(t, d, slow, quick)
			s.trials[0].Seconds, s.trials[1].Seconds = tc.slowSecs, tc.quickSeconds
			start := time.Now()
			res, err := s.finish(context.Background())
			if err != nil {
				t.Fatalf("finish: %v", err)
			}
			if len(res.Members) != 2 {
				t.Fatalf("members = %+v, want the blend of both trials", res.Members)
			}
			if m := res.Members[0]; m.GBDT == nil || !learned(m) || !strings.Contains(res.Trials[0].Note, "cut by the deadline") {
				t.Errorf("slow member: model %v, note %q; want a GBDT cut by the deadline", m.GBDT != nil, res.Trials[0].Note)
			}
			if m := res.Members[1]; m.Linear == nil || !learned(m) || strings.Contains(res.Trials[1].Note, "cut") {
				t.Errorf("quick member: model %v, note %q; want a linear model refit in full", m.Linear != nil, res.Trials[1].Note)
			}
			if took, allowance := time.Since(start), Overrun(time.Second); took > allowance+time.Second/4 {
				t.Errorf("the final fits took %v, more than the allowance %v", took, allowance)
			}
		})
	}
}

// complementaryBlend returns a search of d whose two finished trials, a
// and b, have out-of-fold predictions that are each right on half the rows
// and undecided on the other half, the halves complementary: ensemble
// selection blends them. The budget is one second, spent but for the
// blend's expected refit time.
func complementaryBlend(t *testing.T, d *Data, a, b Candidate) *searcher {
	t.Helper()
	cfg := Config{Deadline: time.Now().Add(time.Second), Seed: 1}
	sch, err := newScheme(d, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &searcher{d: d, cfg: &cfg, metric: mustMetric(t, "logloss"), sch: sch, start: time.Now()}
	for i, c := range []Candidate{a, b} {
		oof := make([]float64, sch.size()*2)
		for q := range sch.size() {
			p := 0.5
			if q%2 == i {
				p = 0.9
			}
			y := int(d.Label[sch.row(q)])
			oof[2*q+y], oof[2*q+1-y] = p, 1-p
		}
		tr := Trial{Number: i, Candidate: c, Status: "ok", oof: oof}
		tr.FoldScores, tr.Score = s.score(oof)
		s.trials = append(s.trials, tr)
	}
	return s
}
