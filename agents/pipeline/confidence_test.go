package pipeline

import (
	"math"
	"strings"
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

// TestLead: lead is the chance that the chosen score truly beats the other, 0.5 at a tie and
// the complement when the two are swapped, in the metric's direction. A proportion's noise is
// binomial: the same lead of 0.01 in accuracy is surer near 1, where accuracies vary little,
// than at 0.5 (a noise that grows with the score, |other|/√n, read it the other way round).
func TestLead(t *testing.T) {
	acc, auc, rmse, r2 := mustMetric(t, "accuracy"), mustMetric(t, "auc"), mustMetric(t, "rmse"), mustMetric(t, "r2")
	for _, tc := range []struct {
		name          string
		m             metrics.Metric
		n             int
		chosen, other float64
		want          float64
	}{
		{"accuracy tie", acc, 100, 0.7, 0.7, 0.5},
		{"rmse tie", rmse, 100, 2, 2, 0.5},
		{"perfect over none", acc, 10, 1, 0, 1},
		// σ = √((0.6·0.4 + 0.5·0.5)/100) = 0.07, Φ(0.1/0.07) = Φ(1.4286).
		{"accuracy 0.6 over 0.5", acc, 100, 0.6, 0.5, 0.92343},
		// σ = √((1.9² + 2²)/2)/√1000, Φ(0.1/σ) = Φ(1.6207).
		{"rmse 1.9 under 2", rmse, 1000, 1.9, 2, 0.94746},
	} {
		got := lead(tc.m, tc.n, tc.chosen, tc.other)
		if math.Abs(got-tc.want) > 1e-4 {
			t.Errorf("%s: lead(%s, %d, %v, %v) = %v, want %v", tc.name, tc.m.Name, tc.n, tc.chosen, tc.other, got, tc.want)
		}
		if swapped := lead(tc.m, tc.n, tc.other, tc.chosen); math.Abs(got+swapped-1) > 1e-12 {
			t.Errorf("%s: lead both ways sums to %v, want 1", tc.name, got+swapped)
		}
	}
	if worse := lead(rmse, 1000, 2.5, 2); worse >= 0.5 {
		t.Errorf("higher rmse kept: lead %v, want below 0.5", worse)
	}
	if high, mid := lead(acc, 1000, 0.99, 0.98), lead(acc, 1000, 0.51, 0.50); !(high > 0.95 && mid < 0.75) {
		t.Errorf("accuracy 0.99 over 0.98 and 0.51 over 0.50 on 1000 rows: %v and %v, want > 0.95 and < 0.75", high, mid)
	}
	if low := lead(acc, 1000, 0.03, 0.02); low > 0.95 {
		t.Errorf("accuracy 0.03 over 0.02 on 1000 rows: %v, want below 0.95 (ten rows' difference)", low)
	}
	if good := lead(r2, 1000, 0.95, 0.94); good < 0.95 {
		t.Errorf("R² 0.95 over 0.94 on 1000 rows: %v, want above 0.95 (the error variance drops by a sixth)", good)
	}
	if few, many := lead(auc, 100, 0.81, 0.8), lead(auc, 100_000, 0.81, 0.8); !(0.5 < few && few < many) {
		t.Errorf("AUC 0.81 over 0.8 on 100 and 100,000 rows: %v and %v, want 0.5 < few < many", few, many)
	}
}

// TestMeasuredConfidence: a decision among metric-scored alternatives is as sure as the chosen
// one's lead over its closest rival in the metric's direction, and a tie, which a rule broke,
// is a coin flip that the reasoning names.
func TestMeasuredConfidence(t *testing.T) {
	p := &Pipeline{now: time.Now}
	rmse, acc := mustMetric(t, "rmse"), mustMetric(t, "accuracy")
	unscored := decision.Alternative{Option: "not scored"}
	for _, tc := range []struct {
		name string
		m    metrics.Metric
		alts []decision.Alternative
		want func(float64) bool
		tie  bool
	}{
		{"lower rmse kept", rmse, []decision.Alternative{alt("a", 2, ""), alt("b", 2.5, ""), alt("c", 3, "")}, func(c float64) bool { return c > 0.99 }, false},
		{"higher rmse kept", rmse, []decision.Alternative{alt("b", 2.5, ""), alt("a", 2, "")}, func(c float64) bool { return c < 0.01 }, false},
		{"closest rival counts", rmse, []decision.Alternative{alt("a", 2, ""), alt("c", 3, ""), alt("b", 2.001, "")}, func(c float64) bool { return 0.5 < c && c < 0.55 }, false},
		{"higher accuracy kept", acc, []decision.Alternative{alt("a", 0.9, ""), alt("b", 0.8, "")}, func(c float64) bool { return c > 0.99 }, false},
		{"accuracy tie", acc, []decision.Alternative{alt("pixels_logistic", 0.7, ""), alt("cnn", 0.7, "")}, func(c float64) bool { return c == 0.5 }, true},
		{"rival not scored", rmse, []decision.Alternative{alt("a", 2, ""), unscored}, func(c float64) bool { return c == unscoredConfidence }, false},
		{"choice not scored", rmse, []decision.Alternative{unscored, alt("a", 2, "")}, func(c float64) bool { return c == unscoredConfidence }, false},
		{"unscored rivals ignored", rmse, []decision.Alternative{alt("a", 2, ""), unscored, alt("b", 2, "")}, func(c float64) bool { return c == 0.5 }, true},
	} {
		d := p.measured(typeModelChoice, "keep "+tc.alts[0].Option, "Kept.", tc.m, 1000, tc.alts, nil)
		if !tc.want(d.Confidence) || d.Reasoner != "rules" || len(d.Alternatives) != len(tc.alts) {
			t.Errorf("%s: measured confidence %v (reasoner %q, %d alternatives)", tc.name, d.Confidence, d.Reasoner, len(d.Alternatives))
		}
		if said := strings.Contains(d.Reasoning, "broke the tie"); said != tc.tie {
			t.Errorf("%s: reasoning %q; want it to say a rule broke a tie: %v", tc.name, d.Reasoning, tc.tie)
		}
	}
}
