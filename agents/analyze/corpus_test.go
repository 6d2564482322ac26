package analyze

import (
	"context"
	"encoding/json"
	"github.com/trainyard/trainyard/ml/datasets"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/trainyard/trainyard/ml/frame"
)

// corpusCase is one description of a shared dataset with the answer a
// person would expect.
type corpusCase struct {
	File        string `json:"file"`
	Description string `json:"description"`
	Target      string `json:"target"`
	ProblemType string `json:"problem_type"`
	NamesTarget bool   `json:"names_target"`
}

// sampleRows is how much of each dataset the analyzer sees, as in the
// pipeline, which hands it a sample.
const sampleRows = 3000

var (
	framesMu sync.Mutex
	frames   = map[string]*frame.Frame{}
)

// loadSample reads (once per test binary) the first rows of a shared dataset.
func loadSample(t testing.TB, file string) *frame.Frame {
	t.Helper()
	framesMu.Lock()
	defer framesMu.Unlock()
	if f, ok := frames[file]; ok {
		return f
	}
	f, err := frame.ReadFile(context.Background(), datasetPath(t, file), frame.ReadOptions{MaxRows: sampleRows})
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	frames[file] = f
	return f
}

func loadCorpus(t *testing.T, path string) []corpusCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cases
}

// corpusResult sums up a corpus run.
type corpusResult struct {
	accuracy float64
	// mean target confidence of the right answers that name their target,
	// of those that do not, and of the wrong answers.
	named, unnamed, wrong float64
}

// runCorpus analyzes every case and returns the share with the right target
// and problem type, logging the misses.
func runCorpus(t *testing.T, cases []corpusCase) corpusResult {
	t.Helper()
	ctx := context.Background()
	a := New(nil)
	right, review := 0, 0
	var sum [3]float64
	var n [3]int
	add := func(i int, v float64) { sum[i] += v; n[i]++ }
	for _, c := range cases {
		an, err := a.Analyze(ctx, c.Description, loadSample(t, c.File))
		if err != nil {
			t.Logf("MISS %s %q: error %v", c.File, c.Description, err)
			continue
		}
		conf := an.Decisions[0].Confidence
		if an.TargetColumn == c.Target && string(an.ProblemType) == c.ProblemType {
			right++
			if an.NeedsReview() {
				review++
			}
			if c.NamesTarget {
				add(0, conf)
			} else {
				add(1, conf)
			}
			continue
		}
		add(2, conf)
		if an.Confidence >= ReviewBelow {
			t.Errorf("%s %q: wrong target %s with confidence %.2f, not flagged for review (below %.2f)",
				c.File, c.Description, an.TargetColumn, an.Confidence, ReviewBelow)
		}
		top := an.Candidates[:min(3, len(an.Candidates))]
		t.Logf("MISS %s %q: got %s/%s, want %s/%s; top %+v", c.File, c.Description,
			an.TargetColumn, an.ProblemType, c.Target, c.ProblemType, top)
	}
	r := corpusResult{accuracy: float64(right) / float64(len(cases))}
	mean := func(i int) float64 {
		if n[i] == 0 {
			return 0
		}
		return sum[i] / float64(n[i])
	}
	r.named, r.unnamed, r.wrong = mean(0), mean(1), mean(2)
	t.Logf("mean target confidence: %.2f when named (%d), %.2f when not (%d), %.2f when wrong (%d); %d right answers flagged for review",
		r.named, n[0], r.unnamed, n[1], r.wrong, n[2], review)
	return r
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t, "testdata/corpus.json")
	files := map[string]bool{}
	unnamed := 0
	for _, c := range cases {
		files[c.File] = true
		if !c.NamesTarget {
			unnamed++
		}
	}
	if len(cases) < 40 || 2*unnamed < len(cases) {
		t.Fatalf("corpus has %d cases, %d not naming the target; want ≥ 40, half unnamed", len(cases), unnamed)
	}
	dir, err := datasets.Dir()
	if err != nil {
		t.Skip(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); len(n) > 4 && n[len(n)-4:] == ".csv" && n != "adult_test.csv" && !files[n] {
			t.Errorf("corpus has no case for %s", n)
		}
	}
	r := runCorpus(t, cases)
	t.Logf("corpus: %.1f%% of %d cases right (target and problem type)", 100*r.accuracy, len(cases))
	if r.accuracy < 0.9 {
		t.Errorf("corpus accuracy = %.3f, want ≥ 0.9", r.accuracy)
	}
	// Confidence must mean something: a target the user named is surer than
	// one read from synonyms and data.
	if r.named < r.unnamed+0.05 {
		t.Errorf("mean confidence %.2f when the target is named, %.2f when not; want named clearly higher", r.named, r.unnamed)
	}
}

// TestHoldout measures descriptions written apart from the corpus, after
// the analyzer was built: holdout.json before its first run, holdout2.json
// later. They are a regression check, held to a lower bar than the corpus.
func TestHoldout(t *testing.T) {
	for _, file := range []string{"testdata/holdout.json", "testdata/holdout2.json"} {
		cases := loadCorpus(t, file)
		r := runCorpus(t, cases)
		t.Logf("%s: %.1f%% of %d cases right (target and problem type)", file, 100*r.accuracy, len(cases))
		if r.accuracy < 0.85 {
			t.Errorf("%s accuracy = %.3f, want ≥ 0.85", file, r.accuracy)
		}
	}
}

func TestCorpusColumnOrder(t *testing.T) {
	ctx := context.Background()
	a := New(nil)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, c := range loadCorpus(t, "testdata/corpus.json") {
		f := loadSample(t, c.File)
		base, err := a.Analyze(ctx, c.Description, f)
		if err != nil {
			continue
		}
		for trial := range 2 {
			perm := rng.Perm(f.NCols())
			if trial == 0 {
				for i := range perm {
					perm[i] = f.NCols() - 1 - i
				}
			}
			pf := &frame.Frame{}
			for _, i := range perm {
				pf.Columns = append(pf.Columns, f.Columns[i])
			}
			got, err := a.Analyze(ctx, c.Description, pf)
			if err != nil {
				t.Errorf("%s %q permuted %v: %v", c.File, c.Description, perm, err)
				continue
			}
			if got.TargetColumn != base.TargetColumn || got.ProblemType != base.ProblemType {
				t.Errorf("%s %q: permuted columns give %s/%s, original order %s/%s", c.File, c.Description,
					got.TargetColumn, got.ProblemType, base.TargetColumn, base.ProblemType)
			}
		}
	}
}

// datasetPath returns the path of a shared dataset; a missing one fails the test.
func datasetPath(t testing.TB, file string) string { return datasets.MustPath(t, file) }
