package pipeline

import (
	"math"
	"testing"

	"github.com/trainyard/trainyard/agents/decision"
)

// TestProposalMargin: a proposed set of options stands out by its best score over the best one
// left out, read from the scores (selection leaves out linear and forest on large data).
func TestProposalMargin(t *testing.T) {
	alts := []decision.Alternative{alt("gbdt", 0.9, ""), alt("linear", 0.45, ""), alt("forest", 0.35, "")}
	for _, tc := range []struct {
		proposed []string
		want     float64
	}{
		{[]string{"gbdt", "linear", "forest"}, 0.9},
		{[]string{"gbdt", "linear"}, 0.55},
		{[]string{"gbdt"}, 0.45},
		{[]string{"forest"}, 0},
	} {
		if got := proposalMargin(alts, tc.proposed); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("proposalMargin(%v) = %v, want %v", tc.proposed, got, tc.want)
		}
	}
}
