package pipeline

import (
	"math"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
)

// TestRuledConfidence: a rules decision is as confident as its chosen option suits, less the
// chance its runner-up suits where it does not; scores past [0, 1] count as their bound.
func TestRuledConfidence(t *testing.T) {
	p := &Pipeline{now: time.Now}
	for _, tc := range []struct {
		name string
		alts []decision.Alternative
		want float64
	}{
		{"clear winner", []decision.Alternative{alt("binary", 0.95, ""), alt("regression", 0.02, "")}, 0.949},
		{"two good options", []decision.Alternative{alt("roc_auc", 0.85, ""), alt("pr_auc", 0.8, "")}, 0.73},
		{"weak winner", []decision.Alternative{alt("telecom", 0.4, ""), alt("finance", 0.25, "")}, 0.25},
		{"best runner-up counts", []decision.Alternative{alt("a", 0.8, ""), alt("b", 0.1, ""), alt("c", 0.6, "")}, 0.68},
		{"alone", []decision.Alternative{alt("only", 0.7, "")}, 0.7},
		{"chosen below its runner-up", []decision.Alternative{alt("owner's pick", 0.3, ""), alt("better", 0.9, "")}, 0},
		{"out of range", []decision.Alternative{alt("a", 1.7, ""), alt("b", -2, "")}, 1},
		{"unscored", []decision.Alternative{{Option: "a"}, {Option: "b"}}, 1},
		{"no alternatives", nil, 1},
	} {
		if got := p.ruled(typeDeployment, "x", "y", tc.alts, nil).Confidence; math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: confidence %v, want %v", tc.name, got, tc.want)
		}
	}
}
