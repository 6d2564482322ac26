package automl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSmallDataRepeatsCrossValidation: below repeatRows every row is
// validated once per repeat, under different fold assignments, and the
// result's out-of-fold predictions are the mean over the repeats.
func TestSmallDataRepeatsCrossValidation(t *testing.T) {
	d := load(t, "iris.csv", Multiclass)
	s, err := newScheme(d, &Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := d.NumRows()
	if s.repeats != cvRepeats || len(s.folds) != 5*cvRepeats || s.size() != cvRepeats*n || !strings.Contains(s.desc, "repeated") {
		t.Fatalf("scheme = %d repeats, %d folds, %d positions (%q); want %d repeats of 5 folds over %d rows", s.repeats, len(s.folds), s.size(), s.desc, cvRepeats, n)
	}
	seen := make([]int, s.size())
	for _, g := range s.groups {
		for _, q := range g {
			seen[q]++
		}
	}
	for q, c := range seen {
		if c != 1 {
			t.Fatalf("position %d (row %d) is in %d groups, want 1", q, s.row(q), c)
		}
	}
	if cmp.Equal(s.folds[0].Valid, s.folds[5].Valid) {
		t.Errorf("repeats 0 and 1 have the same first fold %v", s.folds[0].Valid[:5])
	}
	oof := make([]float64, s.size())
	for q := range oof {
		oof[q] = float64(q / n) // the repeat number
	}
	got := s.collapse(oof, 1)
	for i, v := range got {
		if v != 1 { // mean of 0, 1, 2
			t.Fatalf("collapse()[%d] = %v, want 1", i, v)
		}
	}
	big := load(t, "breast_cancer.csv", Binary) // 569 rows: no repeats
	s, err = newScheme(big, &Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.repeats != 1 || len(s.folds) != 5 {
		t.Errorf("breast_cancer scheme = %d repeats, %d folds; want 1 and 5", s.repeats, len(s.folds))
	}
}
