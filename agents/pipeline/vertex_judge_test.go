package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/metrics"
)

// TestVertexChallengerJudgedOnTheProjectMetric: the AutoML challenger, tabular or image, is
// served only when its project metric is computed and better than the engine's; one whose
// metric could not be computed on the test set loses, with a decision that says so, even on a
// lower-is-better metric where a missing value read as 0 would have won.
func TestVertexChallengerJudgedOnTheProjectMetric(t *testing.T) {
	p := &Pipeline{now: time.Now}
	ep := &Endpoint{EndpointID: "ep-1", ExternalID: "projects/p/locations/l/endpoints/1"}
	for _, tc := range []struct {
		name, metric    string
		engine, automl  map[string]float64
		wins            bool
		decisionMention string
	}{
		{"logloss missing", "logloss", map[string]float64{"logloss": 0.3}, map[string]float64{"accuracy": 0.9}, false, "AutoML challenger's logloss could not be computed"},
		{"rmse missing", "rmse", map[string]float64{"rmse": 2}, map[string]float64{"r2": 0.5}, false, "AutoML challenger's rmse could not be computed"},
		{"mae missing", "mae", map[string]float64{"mae": 1.5}, map[string]float64{}, false, "AutoML challenger's mae could not be computed"},
		{"auc missing", "auc", map[string]float64{"auc": 0.8}, map[string]float64{}, false, "AutoML challenger's auc could not be computed"},
		{"both missing", "logloss", map[string]float64{}, map[string]float64{}, false, "could not be computed"},
		{"lower logloss wins", "logloss", map[string]float64{"logloss": 0.3}, map[string]float64{"logloss": 0.2}, true, "it scored logloss 0.2 on the test rows, the engine 0.3"},
		{"higher logloss loses", "logloss", map[string]float64{"logloss": 0.3}, map[string]float64{"logloss": 0.4}, false, "it scored logloss 0.3 on the test rows, AutoML 0.4"},
		{"equal rmse loses", "rmse", map[string]float64{"rmse": 2}, map[string]float64{"rmse": 2}, false, "AutoML 2"},
		{"higher auc wins", "auc", map[string]float64{"auc": 0.8}, map[string]float64{"auc": 0.9}, true, "the engine 0.8"},
		{"engine's missing", "logloss", map[string]float64{}, map[string]float64{"logloss": 0.5}, true, "the engine could not be computed"},
		{"accuracy missing", "accuracy", map[string]float64{"accuracy": 0.7}, map[string]float64{"logloss": 0.2}, false, "AutoML challenger's accuracy could not be computed on the test rows"},
	} {
		for _, kind := range []challengerKind{tabularChallenger(), imageChallengerKind()} {
			t.Run(tc.name+" "+kind.unit, func(t *testing.T) {
				m, err := metrics.Lookup(tc.metric)
				if err != nil {
					t.Fatal(err)
				}
				wins, d := p.judgeChallenger(kind, m, &finalEval{Values: tc.engine, TestRows: 30}, &finalEval{Values: tc.automl, TestRows: 30}, ep)
				if wins != tc.wins {
					t.Errorf("challenger wins = %v, want %v (decision %q)", wins, tc.wins, d.Decision)
				}
				mention := strings.ReplaceAll(tc.decisionMention, "test rows", "test "+kind.unit)
				if d.Type != typeModelChoice || !strings.Contains(d.Decision, mention) || d.Reasoning == "" {
					t.Errorf("decision = %s %q (reasoning %q), want a model choice mentioning %q", d.Type, d.Decision, d.Reasoning, mention)
				}
				served := kind.engine
				if wins {
					served = kind.automlAlt.Option
				}
				if !strings.HasPrefix(d.Decision, "serve "+served) {
					t.Errorf("decision = %q, want it to serve %s", d.Decision, served)
				}
				// The served model is the first alternative, and the confidence grows with its lead.
				if first := d.Alternatives[0].Option; (first == kind.automlAlt.Option) != wins {
					t.Errorf("first alternative = %q, want the served model first", first)
				}
				ours, haveOurs := tc.engine[tc.metric]
				theirs, haveTheirs := tc.automl[tc.metric]
				tie := haveOurs && haveTheirs && ours == theirs
				if d.Confidence < 0 || d.Confidence > 1 || (d.Confidence == 0.5) != (tie || !haveOurs || !haveTheirs) || strings.Contains(d.Reasoning, "broke the tie") != tie {
					t.Errorf("confidence = %v, reasoning %q; want 0.5 for a tie, which the reasoning names, or a missing score, else in [0, 1]", d.Confidence, d.Reasoning)
				}
				_, computed := tc.automl[tc.metric]
				if _, ok := d.Evidence["automl"]; ok != computed || d.Evidence["test_"+kind.unit] != 30 {
					t.Errorf("evidence = %v: the AutoML %s is there only when it was computed, with the 30 test %s", d.Evidence, tc.metric, kind.unit)
				}
			})
		}
	}
}
