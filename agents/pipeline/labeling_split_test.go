package pipeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/analyze"
)

// TestSplitWarnsOnMadeTestLabels: when the labeling test set holds labels that did not come with
// the data (cluster names, a language model), the model report warns how many test rows carry a
// real label and that the figures measure agreement with made labels, and the split decision's
// reasoning says so; a test set of real labels only, large enough, carries no such warning.
// Either way the split decision lists the scheme it used first.
func TestSplitWarnsOnMadeTestLabels(t *testing.T) {
	for _, tc := range []struct {
		name        string
		given, made int
		madeBy      string
		wantWarning bool
	}{
		{name: "cluster names", given: 12, made: 188, madeBy: sourceCluster, wantWarning: true},
		{name: "language model", given: 12, made: 188, madeBy: sourceLLM, wantWarning: true},
		{name: "real labels", given: 400, wantWarning: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pipeline{opts: Options{Seed: 7}, now: time.Now}
			n := tc.given + tc.made
			ls := &labelSet{Values: make([]string, n), Source: make([]string, n)}
			pool := make([]int, n)
			for i := range n {
				pool[i] = i
				ls.Values[i] = fmt.Sprint(i % 2)
				ls.Source[i] = sourceGiven
				if i >= tc.given {
					ls.Source[i] = tc.madeBy
				}
			}
			out := &outcome{}
			ds := &dataState{}
			test, err := p.splitLabeled(out, ds, ls, pool, tc.made == 0)
			if err != nil {
				t.Fatal(err)
			}
			real := 0
			for _, r := range test {
				if r < tc.given {
					real++
				}
			}
			rep := reportProto(&analyze.Analysis{}, ds, &trainState{}, &finalEval{}, &evalState{}, nil)
			want := fmt.Sprintf("only %d of the %d held-out test rows carry a real label", real, len(test))
			var found string
			for _, w := range rep.GetWarnings() {
				if strings.Contains(w, "real label") {
					found = w
				}
			}
			for _, s := range rep.GetPreprocessing() {
				if strings.HasPrefix(s, reportWarningPrefix) {
					t.Errorf("report preprocessing step %q, want warnings only in the warnings", s)
				}
			}
			d := out.decisions[len(out.decisions)-1]
			reasoning := d.Reasoning
			// The scheme used is listed first, and the margin is its own.
			scheme := "test on real labels only"
			if tc.made > 0 {
				scheme = "test on all labels"
			}
			if d.Alternatives[0].Option != scheme || d.Confidence <= 0 {
				t.Errorf("split alternatives %q, confidence %v; want %q first with a confidence above 0", optionValues(d.Alternatives), d.Confidence, scheme)
			}
			if !tc.wantWarning {
				if found != "" || strings.Contains(reasoning, "Caution") {
					t.Errorf("warning %q, reasoning %q; want none on a test set of %d real labels", found, reasoning, len(test))
				}
				return
			}
			if !strings.Contains(found, want) || !strings.Contains(found, "agreement with those labels") || !strings.Contains(found, "noisy") {
				t.Errorf("report warnings %q, want one containing %q, saying it measures agreement and is noisy", rep.GetWarnings(), want)
			}
			if !strings.Contains(reasoning, want) {
				t.Errorf("split reasoning %q, want it to contain %q", reasoning, want)
			}
		})
	}
}
