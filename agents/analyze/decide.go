package analyze

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/ml/profile"
)

// criteriaSchema describes the answer to the success-criteria decision.
var criteriaSchema = &reasoner.Schema{Type: "array", Description: "the measurable goals the description states",
	Items: &reasoner.Schema{Type: "object", Required: []string{"metric", "threshold", "at_least", "text"},
		Properties: map[string]*reasoner.Schema{
			"metric":      reasoner.StringEnum("the metric", "accuracy", "recall", "precision", "f1", "f1_macro", "roc_auc", "pr_auc", "logloss", "rmse", "mae", "mape", "r2"),
			"threshold":   {Type: "number", Minimum: reasoner.Bound(0)},
			"at_least":    {Type: "boolean"},
			"class_label": {Type: "string"},
			"text":        {Type: "string"},
		}}}

func (a *Analyzer) decideCriteria(ctx context.Context, an *Analysis, description string, c *colFacts) error {
	crits := parseCriteria(description, c, an.PositiveClass, an.ProblemType)
	if len(crits) == 0 {
		return nil
	}
	value, err := json.Marshal(crits)
	if err != nil {
		return err
	}
	var texts []string
	for _, cr := range crits {
		texts = append(texts, describeCriterion(cr))
	}
	req := reasoner.Request{
		Type:     decision.SuccessCriteria,
		Question: "Which measurable goals does the description set?",
		Facts:    map[string]any{"description": description, "problem_type": an.ProblemType, "positive_class": an.PositiveClass},
		Proposal: &reasoner.Proposal{Value: value, Confidence: 0.8,
			Reasoning: fmt.Sprintf("Read %d goal(s) from the description: %s.", len(crits), strings.Join(texts, "; "))},
		Schema: criteriaSchema,
		Check: func(v json.RawMessage) error {
			var got []SuccessCriterion
			if err := json.Unmarshal(v, &got); err != nil {
				return err
			}
			for _, g := range got {
				if g.ClassLabel != "" && !slices.ContainsFunc(c.levels, func(l profile.ValueCount) bool { return l.Value == g.ClassLabel }) {
					return fmt.Errorf("class %q is not a value of %q", g.ClassLabel, c.name)
				}
				if !lowerIsBetter(g.Metric) && g.Threshold > 1 {
					return fmt.Errorf("%s threshold %v is above 1", g.Metric, g.Threshold)
				}
			}
			return nil
		},
	}
	v, err := a.decide(ctx, an, req, func(json.RawMessage) string { return strings.Join(texts, "; ") })
	if err != nil {
		return err
	}
	return json.Unmarshal(v, &an.SuccessCriteria)
}

// describeCriterion writes "recall ≥ 0.9 for class \"Yes\"".
func describeCriterion(c SuccessCriterion) string {
	op := "≤"
	if c.AtLeast {
		op = "≥"
	}
	s := fmt.Sprintf("%s %s %g", c.Metric, op, c.Threshold)
	if c.ClassLabel != "" {
		s += fmt.Sprintf(" for class %q", c.ClassLabel)
	}
	return s
}

func (a *Analyzer) decideMetrics(ctx context.Context, an *Analysis, c *colFacts) error {
	minority := 0.0
	if an.ProblemType != Regression {
		minority = minorityShare(c)
	}
	opts := metricOptions(an.ProblemType, minority, c.distinct, an.SuccessCriteria)
	slices.SortStableFunc(opts, func(x, y reasoner.Option) int { return cmp.Compare(y.Score, x.Score) })
	var names []string
	for _, o := range opts {
		names = append(names, o.Value)
	}
	req := reasoner.Request{
		Type:     decision.Metric,
		Question: fmt.Sprintf("Which metric should a %s model on %q be judged by first?", an.ProblemType, c.name),
		Facts:    map[string]any{"problem_type": an.ProblemType, "minority_share": round2(minority), "criteria": len(an.SuccessCriteria)},
		Options:  opts,
		Schema:   reasoner.StringEnum("the primary metric", names...),
	}
	v, err := a.decide(ctx, an, req, func(v json.RawMessage) string {
		m, _ := reasoner.Choice(v)
		return "optimize " + m
	})
	if err != nil {
		return err
	}
	primary, _ := reasoner.Choice(v)
	an.Metrics = []string{primary}
	for _, o := range opts {
		if o.Value != primary {
			an.Metrics = append(an.Metrics, o.Value)
		}
	}
	an.SearchMetric = searchMetric(an.ProblemType, primary)
	return nil
}

func (a *Analyzer) decideDomain(ctx context.Context, an *Analysis, p parsed, cols []colFacts) error {
	opts := domainOptions(p, cols)
	var names []string
	for _, o := range opts {
		names = append(names, o.Value)
	}
	req := reasoner.Request{
		Type:     decision.Domain,
		Question: "Which field does the problem come from?",
		Facts:    map[string]any{"description": p.text},
		Options:  opts,
		Schema:   reasoner.StringEnum("the field", names...),
	}
	v, err := a.decide(ctx, an, req, func(v json.RawMessage) string {
		d, _ := reasoner.Choice(v)
		return "domain " + d
	})
	if err != nil {
		return err
	}
	an.Domain, _ = reasoner.Choice(v)
	return nil
}

// summarize writes the analysis's reasoning.
func summarize(an *Analysis, complexityWhy string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Target %q (%s", an.TargetColumn, strings.TrimSuffix(an.Decisions[0].Reasoning, "."))
	fmt.Fprintf(&b, "). Task %s", an.ProblemType)
	if an.PositiveClass != "" {
		fmt.Fprintf(&b, " with positive class %q", an.PositiveClass)
	}
	fmt.Fprintf(&b, ". Metrics %s", strings.Join(an.Metrics, ", "))
	if an.SearchMetric != an.Metrics[0] {
		fmt.Fprintf(&b, " (the search ranks models by %s; the goal is met by the decision threshold)", an.SearchMetric)
	}
	if len(an.SuccessCriteria) > 0 {
		var cs []string
		for _, c := range an.SuccessCriteria {
			cs = append(cs, describeCriterion(c))
		}
		fmt.Fprintf(&b, "; goals: %s", strings.Join(cs, "; "))
	}
	fmt.Fprintf(&b, ". Domain %s. Complexity %.2f: %s.", an.Domain, an.Complexity, complexityWhy)
	return b.String()
}
