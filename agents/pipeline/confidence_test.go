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
// one's lead over its closest rival in the metric's direction. Keeping the lower-RMSE model is
// a confident choice; the margin between raw scores (ruled) read it as 0.
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
	lower := []decision.Alternative{alt("a", 2, ""), alt("b", 2.5, "")}
	if margin := p.ruled(typeModelChoice, "keep a", "test", lower, nil).Confidence; margin != 0 {
		t.Errorf("ruled margin of RMSE 2 over 2.5 = %v; the margin reads scores as higher-is-better, so it should be 0", margin)
	}
}
