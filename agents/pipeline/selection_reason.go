package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
)

// decideFamilies puts the choice of learner families to the reasoner: the rules propose the
// families scoring at least 0.5 (proposed), the answer is any non-empty set of the scored
// families (alts), and the search runs exactly the families chosen.
func (p *Pipeline) decideFamilies(ctx context.Context, out *outcome, alts []decision.Alternative, proposed []string, why string, facts map[string]any) ([]string, error) {
	all := optionValues(alts)
	conf := proposalConfidence(alts, proposed)
	scores := map[string]any{}
	for _, a := range alts {
		if a.Score != nil {
			scores[a.Option] = *a.Score
		}
	}
	facts["family_scores"] = scores
	req := reasoner.Request{
		Type:     typeModelFamily,
		Question: "Which learner families should the search try? Answer a list of one or more of the scored families.",
		Facts:    facts,
		Proposal: &reasoner.Proposal{Value: mustJSONValue(proposed), Reasoning: why, Confidence: conf},
		Schema:   subsetSchema("the learner families to search", all),
		Check:    checkSubset(1),
	}
	ans, err := p.consult(ctx, req)
	if err != nil {
		return nil, err
	}
	chosen := decodeSubset(ans.Value, all)
	d := p.decided(typeModelFamily, "search "+strings.Join(chosen, ", "), why, alts, facts, conf)
	out.decide(reasoned(d, ans))
	return chosen, nil
}

// proposalConfidence is the confidence of proposing a set among the scored alternatives, read
// as for a pick (decision.SuitConfidence): the best proposed option over the best one left
// out, or on its own when none is left out.
func proposalConfidence(alts []decision.Alternative, proposed []string) float64 {
	var in, out *float64
	for _, a := range alts {
		switch {
		case a.Score == nil:
		case slices.Contains(proposed, a.Option):
			in = higher(in, a.Score)
		default:
			out = higher(out, a.Score)
		}
	}
	pick := []decision.Alternative{{Score: in}}
	if out != nil {
		pick = append(pick, decision.Alternative{Score: out})
	}
	return decision.SuitConfidence(pick)
}

// higher returns the higher of two scores, either of which may be missing (nil).
func higher(a, b *float64) *float64 {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

// decideBudget puts the derived budget to the reasoner among its alternatives (the first is
// the rules' choice); the answer must be one of them.
func (p *Pipeline) decideBudget(ctx context.Context, alts []decision.Alternative, facts map[string]any, why string) (time.Duration, decision.Decision, error) {
	req := reasoner.Request{
		Type:     typeBudget,
		Question: "How long should each training iteration search? Answer one of the scored budgets.",
		Facts:    facts,
		Options:  options(alts),
		Schema:   reasoner.StringEnum("the training budget per iteration", optionValues(alts)...),
	}
	ans, err := p.consult(ctx, req)
	if err != nil {
		return 0, decision.Decision{}, err
	}
	choice, err := reasoner.Choice(ans.Value)
	if err != nil {
		return 0, decision.Decision{}, err
	}
	b, err := time.ParseDuration(choice)
	if err != nil {
		return 0, decision.Decision{}, fmt.Errorf("budget %q: %w", choice, err)
	}
	b = min(max(b, time.Second), p.opts.MaxBudget)
	// The chosen budget first, so the recorded confidence is the choice's.
	for i, a := range alts {
		if a.Option == choice {
			alts[0], alts[i] = alts[i], alts[0]
		}
	}
	d := p.ruled(typeBudget, fmt.Sprintf("train for %s per iteration", b), why, alts, facts)
	return b, reasoned(d, ans), nil
}
