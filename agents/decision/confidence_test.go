package decision_test

import (
	"math"
	"testing"

	"github.com/trainyard/trainyard/agents/decision"
)

// TestSuitedOver: a tie is a coin flip at any level, a rival that cannot suit leaves no doubt,
// and two good options a rule plainly ranks (0.8 over 0.6) give a fairly sure choice, where
// the margin 0.2 read as doubt. Swapping the two gives the complement. A margin between
// middling scores is its least sure reading.
func TestSuitedOver(t *testing.T) {
	for _, tc := range []struct {
		s, r, want float64
	}{
		{0.8, 0.8, 0.5},
		{0.3, 0.3, 0.5},
		{1, 1, 0.5},
		{0, 0, 0.5},
		{1, 0, 1},
		{0.8, 0.6, 0.32 / 0.44},
		{0.9, 0.1, 0.81 / 0.82},
		{0.6, 0.8, 0.12 / 0.44},
		{0.55, 0.45, 1.21 / 2.02},
		{0.6, 0.4, 1.44 / 2.08},
		{1.5, math.NaN(), 1},
	} {
		got := decision.SuitedOver(tc.s, tc.r)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("SuitedOver(%v, %v) = %v, want %v", tc.s, tc.r, got, tc.want)
		}
		if swapped := decision.SuitedOver(tc.r, tc.s); math.Abs(got+swapped-1) > 1e-12 {
			t.Errorf("SuitedOver(%v, %v) + SuitedOver(%v, %v) = %v, want 1", tc.s, tc.r, tc.r, tc.s, got+swapped)
		}
	}
	if mid, high := decision.SuitedOver(0.55, 0.45), decision.SuitedOver(0.9, 0.8); !(mid < high) {
		t.Errorf("margin 0.1: SuitedOver(0.55, 0.45) = %v, SuitedOver(0.9, 0.8) = %v; want the middling pair less sure", mid, high)
	}
}

// TestSuitConfidence: the chosen (first) alternative is weighed against its best-scored rival
// wherever that stands; alone, it is as sure as its own score.
func TestSuitConfidence(t *testing.T) {
	alt := func(option string, score float64) decision.Alternative {
		return decision.Alternative{Option: option, Score: decision.Score(score)}
	}
	unscored := decision.Alternative{Option: "not scored"}
	for _, tc := range []struct {
		name string
		alts []decision.Alternative
		want float64
	}{
		{"best rival counts", []decision.Alternative{alt("a", 0.9), alt("b", 0.1), alt("c", 0.5)}, 0.9},
		{"tie", []decision.Alternative{alt("a", 0.5), alt("b", 0.5)}, 0.5},
		{"rated below its rival", []decision.Alternative{alt("a", 0.6), alt("b", 0.8)}, 0.12 / 0.44},
		{"alone", []decision.Alternative{alt("a", 0.8)}, 0.8},
		{"unscored rivals ignored", []decision.Alternative{alt("a", 0.8), unscored}, 0.8},
		{"chosen not scored", []decision.Alternative{unscored, alt("b", 0.7)}, 1},
		{"none", nil, 1},
	} {
		if got := decision.SuitConfidence(tc.alts); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: SuitConfidence = %v, want %v", tc.name, got, tc.want)
		}
	}
}
