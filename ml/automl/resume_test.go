package automl

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// records runs a search of n trials and returns the records OnTrial gave,
// after a JSON round trip (as a caller would store them).
func records(t *testing.T, d *Data, seed uint64, n int) []TrialRecord {
	t.Helper()
	var recs []TrialRecord
	cfg := Config{Trials: n, Seed: seed, OnTrial: func(tr Trial) { recs = append(recs, tr.Record()) }}
	if _, err := Search(context.Background(), d, cfg); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatalf("json.Marshal(records) = %v", err)
	}
	var back []TrialRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// TestResumeReachesTheUninterruptedResult: a search stopped after some trials
// and resumed from their records runs the same trials and picks the same
// winner, blend and scores as one that was never stopped, without fitting the
// recorded trials again.
func TestResumeReachesTheUninterruptedResult(t *testing.T) {
	for _, tc := range []struct {
		file, task  string
		total, stop int
	}{
		{"iris.csv", Multiclass, 9, 4},
		{"diabetes.csv", Regression, 7, 3},
	} {
		d := load(t, tc.file, tc.task)
		whole, err := Search(context.Background(), d, Config{Trials: tc.total, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		recs := records(t, d, 5, tc.stop)
		var fresh int
		resumed, err := Search(context.Background(), d, Config{Trials: tc.total, Seed: 5, Resume: recs, OnTrial: func(Trial) { fresh++ }})
		if err != nil {
			t.Fatalf("%s: resumed search: %v", tc.file, err)
		}
		if fresh != tc.total-tc.stop {
			t.Errorf("%s: resumed search ran %d trials, want %d (the %d recorded ones replayed)", tc.file, fresh, tc.total-tc.stop, tc.stop)
		}
		for i, r := range recs {
			// A trial fit again would not take exactly the recorded time.
			if got := resumed.Trials[i].Seconds; got != r.Seconds {
				t.Errorf("%s: resumed trial %d took %v s, want the recorded %v (not refit)", tc.file, i, got, r.Seconds)
			}
		}
		ignore := []cmp.Option{cmpopts.IgnoreFields(Trial{}, "Seconds"), cmpopts.IgnoreUnexported(Trial{}), cmpopts.EquateNaNs()}
		if diff := cmp.Diff(whole.Trials, resumed.Trials, ignore...); diff != "" {
			t.Errorf("%s: trials differ (-uninterrupted +resumed):\n%s", tc.file, diff)
		}
		if whole.Best != resumed.Best || whole.Score != resumed.Score {
			t.Errorf("%s: resumed best = trial %d score %v, want trial %d score %v", tc.file, resumed.Best, resumed.Score, whole.Best, whole.Score)
		}
		members := func(r *Result) []Member {
			var out []Member
			for _, m := range r.Members {
				out = append(out, Member{Trial: m.Trial, Candidate: m.Candidate, Weight: m.Weight})
			}
			return out
		}
		if diff := cmp.Diff(members(whole), members(resumed)); diff != "" {
			t.Errorf("%s: members differ (-uninterrupted +resumed):\n%s", tc.file, diff)
		}
		if diff := cmp.Diff(whole.OOF, resumed.OOF); diff != "" {
			t.Errorf("%s: out-of-fold predictions differ (-uninterrupted +resumed):\n%s", tc.file, diff)
		}
		probe := [][]float64{make([]float64, len(d.Trees.Cols))}
		for j, c := range d.Trees.Cols {
			probe[0][j] = c[0]
		}
		if w, r := whole.Members[0].GBDT, resumed.Members[0].GBDT; w != nil && r != nil {
			pw, _ := w.PredictColumns(transpose(probe), false)
			pr, _ := r.PredictColumns(transpose(probe), false)
			if !cmp.Equal(pw, pr) {
				t.Errorf("%s: refit models predict %v and %v for row 0, want the same", tc.file, pr, pw)
			}
		}
	}
}

// transpose turns rows into columns.
func transpose(rows [][]float64) [][]float64 {
	cols := make([][]float64, len(rows[0]))
	for j := range cols {
		for _, r := range rows {
			cols[j] = append(cols[j], r[j])
		}
	}
	return cols
}

func TestResumeRefusesRecordsOfAnotherSearch(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	recs := records(t, d, 5, 2)
	_, err := Search(context.Background(), d, Config{Trials: 4, Seed: 6, Resume: recs})
	if !errors.Is(err, ErrResumeMismatch) {
		t.Errorf("Search(seed 6, records of seed 5) error = %v, want ErrResumeMismatch", err)
	}
	recs[1].Params = map[string]string{"num_leaves": "3"}
	_, err = Search(context.Background(), d, Config{Trials: 4, Seed: 5, Resume: recs})
	if !errors.Is(err, ErrResumeMismatch) {
		t.Errorf("Search(records with an altered candidate) error = %v, want ErrResumeMismatch", err)
	}
}

func TestResumeRetriesATimedOutTrial(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	recs := records(t, d, 5, 3)
	recs[2].Status, recs[2].OOF = "timeout", nil
	var fresh []int
	res, err := Search(context.Background(), d, Config{Trials: 3, Seed: 5, Resume: recs, OnTrial: func(tr Trial) { fresh = append(fresh, tr.Number) }})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(fresh, []int{2}) || res.Trials[2].Status != "ok" {
		t.Errorf("trials run again = %v (trial 2 %s), want [2] ok", fresh, res.Trials[2].Status)
	}
}
