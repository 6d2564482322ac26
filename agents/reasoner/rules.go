package reasoner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/decision"
)

// RulesName is the name the rules reasoner records.
const RulesName = "rules"

// ErrNoRule reports a request the rules cannot answer: no options and no
// proposal.
var ErrNoRule = errors.New("no rule for this decision")

// Rules is the embedded, deterministic reasoner. For a pick among options it
// takes the best-scored option (ties go to the alphabetically first value, so
// the order in which options are listed never matters) and reports as
// confidence the chance that it, rather than the runner-up, is the option that
// suits, reading each score as that chance for its option
// (decision.SuitConfidence of the alternatives Record writes): 0.5 at a tie,
// near 1 when the runner-up hardly suits. For a structured answer it returns
// the asking agent's proposal. Its reasoning names the evidence it looked at.
type Rules struct{}

// Name returns "rules".
func (Rules) Name() string { return RulesName }

// Decide answers req from its options or its proposal.
func (Rules) Decide(ctx context.Context, req Request) (Answer, error) {
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	if len(req.Options) == 0 {
		if req.Proposal == nil {
			return Answer{}, fmt.Errorf("%s: %w", req.Type, ErrNoRule)
		}
		return Answer{Value: req.Proposal.Value, Reasoning: req.Proposal.Reasoning,
			Confidence: clamp01(req.Proposal.Confidence), Reasoner: RulesName}, nil
	}
	opts := sortedOptions(req.Options)
	value, err := json.Marshal(opts[0].Value)
	if err != nil {
		return Answer{}, err
	}
	conf := round3(decision.SuitConfidence(alternatives(opts)))
	return Answer{
		Value:      value,
		Reasoning:  explain(req, opts, conf),
		Confidence: conf,
		Reasoner:   RulesName,
	}, nil
}

// explain writes what the rules looked at and why the best option won, which
// they did with confidence conf.
func explain(req Request, opts []Option, conf float64) string {
	var b strings.Builder
	best := opts[0]
	fmt.Fprintf(&b, "Chose %q with score %.2f", best.Value, best.Score)
	if len(best.Evidence) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(best.Evidence, "; "))
	}
	if len(opts) > 1 {
		ru := opts[1]
		fmt.Fprintf(&b, " over %q with %.2f", ru.Value, ru.Score)
		if len(ru.Evidence) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(ru.Evidence, "; "))
		}
		if ru.Score == best.Score {
			fmt.Fprintf(&b, "; they tie, so the alphabetical order chose and the choice is a coin flip (confidence %.2f)", conf)
		} else {
			fmt.Fprintf(&b, "; confidence %.2f that it rather than %q is the one that suits", conf, ru.Value)
		}
	}
	fmt.Fprintf(&b, ". Weighed %d option(s)", len(opts))
	if len(req.Facts) > 0 {
		keys := make([]string, 0, len(req.Facts))
		for k := range req.Facts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintf(&b, " using %s", strings.Join(keys, ", "))
	}
	b.WriteString(".")
	return b.String()
}

// sortedOptions returns the options best first; equal scores go in
// alphabetical order of their values.
func sortedOptions(opts []Option) []Option {
	out := slices.Clone(opts)
	slices.SortStableFunc(out, func(a, b Option) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return min(v, 1)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
