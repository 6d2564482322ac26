package pipeline

import (
	"math"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ml/metrics"
)

func mustMetric(t *testing.T, name string) metrics.Metric {
	t.Helper()
	m, err := metrics.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSuitedOver: a tie is a coin flip at any level, a rival that cannot suit leaves no doubt,
// and two good options a rule plainly ranks (0.8 over 0.6) give a fairly sure choice, where
// the margin 0.2 read as doubt. Swapping the two gives the complement.
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
	} {
		got := suitedOver(tc.s, tc.r)
		if math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("suitedOver(%v, %v) = %v, want %v", tc.s, tc.r, got, tc.want)
		}
		if swapped := suitedOver(tc.r, tc.s); math.Abs(got+swapped-1) > 1e-12 {
			t.Errorf("suitedOver(%v, %v) + suitedOver(%v, %v) = %v, want 1", tc.s, tc.r, tc.r, tc.s, got+swapped)
		}
	}
}

// TestRuledConfidence: a rules decision is as sure as its choice is likely the better of it
// and its best-scored rival. Deploying the refit model (0.8 over 0.6) is fairly clear, not
// the 0.2 a margin gave; complementary scores at the rule's border are a coin flip; an option
// alone is as sure as its own score.
func TestRuledConfidence(t *testing.T) {
	p := &Pipeline{now: time.Now}
	for _, tc := range []struct {
		name string
		alts []decision.Alternative
		want func(float64) bool
	}{
		{"refit over evaluated", []decision.Alternative{alt("deploy the refit model", 0.8, ""), alt("deploy the evaluated model", 0.6, "")}, func(c float64) bool { return 0.7 < c && c < 0.85 }},
		{"best rival counts", []decision.Alternative{alt("a", 0.9, ""), alt("b", 0.1, ""), alt("c", 0.5, "")}, func(c float64) bool { return math.Abs(c-0.9) < 1e-12 }},
		{"at the border", []decision.Alternative{alt("class weights", 0.5, ""), alt("natural frequencies", 0.5, "")}, func(c float64) bool { return c == 0.5 }},
		{"alone", []decision.Alternative{alt("budget 1m", 0.8, "")}, func(c float64) bool { return c == 0.8 }},
		{"rated below its rival", []decision.Alternative{alt("a", 0.4, ""), alt("b", 0.7, "")}, func(c float64) bool { return c < 0.5 }},
		{"chosen not scored", []decision.Alternative{{Option: "a"}, alt("b", 0.7, "")}, func(c float64) bool { return c == 1 }},
	} {
		if d := p.ruled(typeDeployment, tc.alts[0].Option, "test", tc.alts, nil); !tc.want(d.Confidence) || d.Reasoner != "rules" {
			t.Errorf("%s: ruled confidence %v (reasoner %q)", tc.name, d.Confidence, d.Reasoner)
		}
	}
}

// TestLead: a tie or a worse score gives no confidence, in the metric's direction; a bigger
// lead or more rows make the choice surer; a lead of 1/√n of the other's score gives 0.5.
func TestLead(t *testing.T) {
	auc, rmse := mustMetric(t, "auc"), mustMetric(t, "rmse")
	for _, tc := range []struct {
		name          string
		m             metrics.Metric
		chosen, other float64
		want          float64
	}{
		{"auc tie", auc, 0.8, 0.8, 0},
		{"lower auc", auc, 0.7, 0.8, 0},
		{"rmse tie", rmse, 2, 2, 0},
		{"higher rmse", rmse, 2.5, 2, 0},
		{"auc lead of other/√n", auc, 0.8 + 0.8/10, 0.8, 0.5},
		{"rmse lead of other/√n", rmse, 2 - 2.0/10, 2, 0.5},
	} {
		if got := lead(tc.m, 100, tc.chosen, tc.other); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: lead(%s, 100, %v, %v) = %v, want %v", tc.name, tc.m.Name, tc.chosen, tc.other, got, tc.want)
		}
	}
	if small, big := lead(rmse, 1000, 1.99, 2), lead(rmse, 1000, 1.8, 2); !(0 < small && small < big && big < 1) {
		t.Errorf("rmse leads 0.01 and 0.2: %v and %v, want 0 < small < big < 1", small, big)
	}
	if few, many := lead(auc, 100, 0.81, 0.8), lead(auc, 100_000, 0.81, 0.8); !(few < many) {
		t.Errorf("100 and 100,000 rows: %v and %v, want more confidence on more rows", few, many)
	}
}

// TestMeasuredConfidence: a decision among metric-scored alternatives is as sure as the chosen
// one's lead over its closest rival in the metric's direction: keeping the lower-RMSE model is
// a confident choice.
func TestMeasuredConfidence(t *testing.T) {
	p := &Pipeline{now: time.Now}
	rmse, acc := mustMetric(t, "rmse"), mustMetric(t, "accuracy")
	unscored := decision.Alternative{Option: "not scored"}
	for _, tc := range []struct {
		name string
		m    metrics.Metric
		alts []decision.Alternative
		want func(float64) bool
	}{
		{"lower rmse kept", rmse, []decision.Alternative{alt("a", 2, ""), alt("b", 2.5, ""), alt("c", 3, "")}, func(c float64) bool { return c > 0.5 }},
		{"higher rmse kept", rmse, []decision.Alternative{alt("b", 2.5, ""), alt("a", 2, "")}, func(c float64) bool { return c == 0 }},
		{"closest rival counts", rmse, []decision.Alternative{alt("a", 2, ""), alt("c", 3, ""), alt("b", 2.001, "")}, func(c float64) bool { return 0 < c && c < 0.1 }},
		{"higher accuracy kept", acc, []decision.Alternative{alt("a", 0.9, ""), alt("b", 0.8, "")}, func(c float64) bool { return c > 0.5 }},
		{"rival not scored", rmse, []decision.Alternative{alt("a", 2, ""), unscored}, func(c float64) bool { return c == unscoredConfidence }},
		{"choice not scored", rmse, []decision.Alternative{unscored, alt("a", 2, "")}, func(c float64) bool { return c == unscoredConfidence }},
		{"unscored rivals ignored", rmse, []decision.Alternative{alt("a", 2, ""), unscored, alt("b", 2, "")}, func(c float64) bool { return c == 0 }},
	} {
		d := p.measured(typeModelChoice, "keep "+tc.alts[0].Option, "test", tc.m, 1000, tc.alts, nil)
		if !tc.want(d.Confidence) || d.Reasoner != "rules" || len(d.Alternatives) != len(tc.alts) {
			t.Errorf("%s: measured confidence %v (reasoner %q, %d alternatives)", tc.name, d.Confidence, d.Reasoner, len(d.Alternatives))
		}
	}
}
