package split

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// labels returns n labels with the given class sizes, interleaved so that
// row order carries no class information.
func labels(sizes ...int) []float64 {
	var y []float64
	left := slices.Clone(sizes)
	for more := true; more; {
		more = false
		for c := range left {
			if left[c] > 0 {
				y = append(y, float64(c*10)) // labels need not be 0..K-1
				left[c]--
				more = true
			}
		}
	}
	return y
}

func count(y []float64, rows []int) map[float64]int {
	m := map[float64]int{}
	for _, i := range rows {
		m[y[i]]++
	}
	return m
}

// checkPartition fails unless the lists are sorted, disjoint, and cover
// 0..n-1 exactly once.
func checkPartition(t *testing.T, n int, lists ...[]int) {
	t.Helper()
	seen := make([]int, n)
	for _, l := range lists {
		if !slices.IsSorted(l) {
			t.Errorf("list not sorted: %v", l[:min(len(l), 10)])
		}
		for _, i := range l {
			seen[i]++
		}
	}
	for i, s := range seen {
		if s != 1 {
			t.Fatalf("row %d appears %d times, want 1", i, s)
		}
	}
}

func TestStratifiedHoldoutKeepsProportions(t *testing.T) {
	y := labels(500, 300, 150, 50) // 1000 rows
	f := Fractions{Valid: 0.2, Test: 0.1}
	h, err := StratifiedHoldout(y, f, 7)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, len(y), h.Train, h.Valid, h.Test)
	if len(h.Valid) != 200 || len(h.Test) != 100 {
		t.Errorf("sizes valid=%d test=%d, want 200 and 100", len(h.Valid), len(h.Test))
	}
	all := count(y, []int{})
	for i := range y {
		all[y[i]]++
	}
	for name, set := range map[string][]int{"train": h.Train, "valid": h.Valid, "test": h.Test} {
		got := count(y, set)
		for c, total := range all {
			want := float64(total) * float64(len(set)) / float64(len(y))
			if math.Abs(float64(got[c])-want) > 1 {
				t.Errorf("%s: class %v has %d rows, want %.1f±1", name, c, got[c], want)
			}
		}
	}
}

func TestStratifiedHoldoutSmallClassKeepsTrainingRow(t *testing.T) {
	y := labels(100, 2)
	h, err := StratifiedHoldout(y, Fractions{Valid: 0.25, Test: 0.25}, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, len(y), h.Train, h.Valid, h.Test)
	if got := count(y, h.Train)[10]; got < 1 {
		t.Errorf("rare class has %d training rows, want at least 1", got)
	}
}

func TestDeterminism(t *testing.T) {
	y := labels(70, 20, 10)
	a, _ := StratifiedHoldout(y, Fractions{Valid: 0.2, Test: 0.2}, 42)
	b, _ := StratifiedHoldout(y, Fractions{Valid: 0.2, Test: 0.2}, 42)
	c, _ := StratifiedHoldout(y, Fractions{Valid: 0.2, Test: 0.2}, 43)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different holdouts (-a +b):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same holdout")
	}
	f1, _ := StratifiedKFold(y, 5, 9)
	f2, _ := StratifiedKFold(y, 5, 9)
	if diff := cmp.Diff(f1, f2); diff != "" {
		t.Errorf("same seed, different folds (-a +b):\n%s", diff)
	}
	k1, _ := KFold(100, 4, 3)
	k2, _ := KFold(100, 4, 3)
	if diff := cmp.Diff(k1, k2); diff != "" {
		t.Errorf("same seed, different k-folds (-a +b):\n%s", diff)
	}
}

// TestPinnedOutput pins the first rows of a split so that a change in the
// generator or the algorithm, which would change every recorded experiment,
// is noticed.
func TestPinnedOutput(t *testing.T) {
	h, err := RandomHoldout(20, Fractions{Valid: 0.25, Test: 0.25}, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := RandomHoldout(20, Fractions{Valid: 0.25, Test: 0.25}, 1)
	if !cmp.Equal(h, again) {
		t.Fatalf("RandomHoldout is not deterministic")
	}
	got := fmt.Sprint(h.Test)
	const want = "[1 4 11 13 15]"
	if got != want {
		t.Errorf("RandomHoldout(20, 0.25/0.25, seed 1).Test = %s, want %s", got, want)
	}
}

func checkFolds(t *testing.T, n, k int, folds []Fold) {
	t.Helper()
	if len(folds) != k {
		t.Fatalf("got %d folds, want %d", len(folds), k)
	}
	valids := make([][]int, k)
	for f, fold := range folds {
		checkPartition(t, n, fold.Train, fold.Valid)
		valids[f] = fold.Valid
	}
	checkPartition(t, n, valids...)
}

func TestStratifiedKFold(t *testing.T) {
	y := labels(53, 31, 16)
	const k = 5
	folds, err := StratifiedKFold(y, k, 11)
	if err != nil {
		t.Fatal(err)
	}
	checkFolds(t, len(y), k, folds)
	for f, fold := range folds {
		if len(fold.Valid) != 20 {
			t.Errorf("fold %d has %d validation rows, want 20", f, len(fold.Valid))
		}
		got := count(y, fold.Valid)
		for c, total := range map[float64]int{0: 53, 10: 31, 20: 16} {
			want := float64(total) / k
			if math.Abs(float64(got[c])-want) >= 1 {
				t.Errorf("fold %d: class %v has %d rows, want %.1f within 1", f, c, got[c], want)
			}
		}
	}
}

func TestKFold(t *testing.T) {
	folds, err := KFold(103, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	checkFolds(t, 103, 4, folds)
	for f, fold := range folds {
		if n := len(fold.Valid); n != 25 && n != 26 {
			t.Errorf("fold %d has %d validation rows, want 25 or 26", f, n)
		}
	}
}

func TestQuantileKFoldCoversRange(t *testing.T) {
	n := 200
	y := make([]float64, n)
	for i := range y {
		y[i] = float64((i * 37) % n) // a permutation of 0..199
	}
	folds, err := QuantileKFold(y, 4, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkFolds(t, n, 4, folds)
	for f, fold := range folds {
		// Each decile of the target (20 rows) must give each fold 5 rows.
		perDecile := make([]int, 10)
		for _, i := range fold.Valid {
			perDecile[int(y[i])/20]++
		}
		for d, c := range perDecile {
			if c != 5 {
				t.Errorf("fold %d decile %d: %d rows, want 5", f, d, c)
			}
		}
	}
}

func TestGroupKFold(t *testing.T) {
	var groups []string
	for i := range 120 {
		groups = append(groups, fmt.Sprintf("g%d", (i*7)%23))
	}
	folds, err := GroupKFold(groups, 3, 8)
	if err != nil {
		t.Fatal(err)
	}
	checkFolds(t, len(groups), 3, folds)
	for f, fold := range folds {
		in := map[string]bool{}
		for _, i := range fold.Valid {
			in[groups[i]] = true
		}
		for _, i := range fold.Train {
			if in[groups[i]] {
				t.Errorf("fold %d: group %s is in both train and valid", f, groups[i])
			}
		}
		if n := len(fold.Valid); n < 35 || n > 45 {
			t.Errorf("fold %d has %d validation rows, want about 40", f, n)
		}
	}
	if _, err := GroupKFold([]string{"a", "a", "b"}, 3, 1); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("GroupKFold(2 groups, k=3) error = %v, want ErrTooFewRows", err)
	}
}

func TestTimeOrdered(t *testing.T) {
	// Keys descending with a tie run across the train/valid boundary.
	key := []float64{10, 9, 8, 7, 7, 7, 4, 3, 2, 1}
	h, err := TimeOrdered(key, Fractions{Valid: 0.2, Test: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, len(key), h.Train, h.Valid, h.Test)
	// The train cut (7 rows) would split the run of 7s; it moves past it,
	// leaving one validation row.
	want := Holdout{Train: []int{3, 4, 5, 6, 7, 8, 9}, Valid: []int{2}, Test: []int{0, 1}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("TimeOrdered(%v) mismatch (-want +got):\n%s", key, diff)
	}
	if _, err := TimeOrdered([]float64{1, math.NaN()}, Fractions{Test: 0.5}); err == nil {
		t.Errorf("TimeOrdered(with NaN key) error = nil, want an error")
	}
}

func TestTimeSeriesFolds(t *testing.T) {
	key := make([]float64, 50)
	for i := range key {
		key[i] = float64(100 - i)
	}
	folds, err := TimeSeriesFolds(key, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(folds) != 4 {
		t.Fatalf("got %d folds, want 4", len(folds))
	}
	for f, fold := range folds {
		lastTrain := math.Inf(-1)
		for _, i := range fold.Train {
			lastTrain = max(lastTrain, key[i])
		}
		for _, i := range fold.Valid {
			if key[i] <= lastTrain {
				t.Errorf("fold %d: valid row %d not after training", f, i)
			}
		}
		if want := 10 * (f + 1); len(fold.Train) != want {
			t.Errorf("fold %d: %d training rows, want %d", f, len(fold.Train), want)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := StratifiedHoldout([]float64{0, 1}, Fractions{Valid: 0.6, Test: 0.5}, 1); err == nil {
		t.Errorf("fractions summing past 1: error = nil")
	}
	if _, err := StratifiedKFold([]float64{0, 1, math.NaN()}, 2, 1); err == nil {
		t.Errorf("NaN label: error = nil")
	}
	if _, err := KFold(3, 5, 1); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("KFold(3 rows, 5 folds) error = %v, want ErrTooFewRows", err)
	}
	if _, err := KFold(10, 1, 1); err == nil {
		t.Errorf("KFold(k=1) error = nil")
	}
}

func TestQuantileHoldout(t *testing.T) {
	n := 500
	y := make([]float64, n)
	for i := range y {
		y[i] = float64((i * 211) % n) // a permutation of 0..499
	}
	h, err := QuantileHoldout(y, Fractions{Valid: 0.2, Test: 0.2}, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, n, h.Train, h.Valid, h.Test)
	for name, set := range map[string][]int{"valid": h.Valid, "test": h.Test} {
		perBin := make([]int, 5)
		for _, i := range set {
			perBin[int(y[i])/100]++
		}
		for b, c := range perBin {
			if c != 20 {
				t.Errorf("%s: %d rows from quintile %d, want 20", name, c, b)
			}
		}
	}
}
