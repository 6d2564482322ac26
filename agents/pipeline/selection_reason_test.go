package pipeline

import (
	"math"
	"testing"

	"github.com/trainyard/trainyard/agents/decision"
)

// TestProposalConfidence: a proposed set of options is read as a pick of its best score over
// the best one left out (decision.SuitedOver), or on its own when none is left out (selection leaves
// out linear and forest on large data).
func TestProposalConfidence(t *testing.T) {
	alts := []decision.Alternative{alt("gbdt", 0.9, ""), alt("linear", 0.45, ""), alt("forest", 0.35, "")}
	for _, tc := range []struct {
		proposed []string
		want     float64
	}{
		{[]string{"gbdt", "linear", "forest"}, 0.9},
		{[]string{"gbdt", "linear"}, 0.9 * 0.65 / (0.9*0.65 + 0.35*0.1)},
		{[]string{"gbdt"}, 0.9 * 0.55 / (0.9*0.55 + 0.45*0.1)},
		{[]string{"forest"}, 0.35 * 0.1 / (0.35*0.1 + 0.9*0.65)},
	} {
		if got := proposalConfidence(alts, tc.proposed); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("proposalConfidence(%v) = %v, want %v", tc.proposed, got, tc.want)
		}
	}
}
