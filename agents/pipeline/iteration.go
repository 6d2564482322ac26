package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/ml/automl"
)

// stopOption is the iteration decision's option to stop and deploy.
const stopOption = "stop and deploy"

// decideIteration decides whether another training iteration can help and what it changes.
// The rules score stopping against each change still possible (weighting classes, searching
// every family, doubling the budget) from the criteria measured on validation data; the
// reasoner picks one of them, and the next iteration runs exactly the change picked.
func (p *Pipeline) decideIteration(ctx context.Context, iter int, st *trainState, ds *dataState, an *analyze.Analysis, crit []criterionResult, unreachable string) (*iterationChange, decision.Decision, error) {
	var unmet []criterionResult
	maxGap := 0.0
	for _, c := range crit {
		if !c.Met {
			unmet = append(unmet, c)
			maxGap = max(maxGap, c.Gap)
		}
	}
	ev := map[string]any{"iteration": iter, "max_iterations": p.opts.MaxIterations, "validation_score": st.Score, "metric": st.Metric,
		"criteria": crit, "families": st.Config.Families, "balance": st.Config.Balance, "budget_seconds": st.Config.BudgetSeconds}

	// The changes another iteration could make, best first when iterating pays.
	type change struct {
		option, note string
		score        float64
		ch           *iterationChange
	}
	var changes []change
	if iter < p.opts.MaxIterations {
		if ds.Task != automl.Regression && !st.Config.Balance {
			changes = append(changes, change{"rebalance classes", "the rare class gets more weight", 0.7,
				&iterationChange{Iteration: iter + 1, Change: "rebalance: weight classes inversely to their frequency", Balance: true}})
		}
		if all := withTextFamily([]string{automl.GBDT, automl.Linear, automl.Forest}, ds.TextColumns); len(st.Config.Families) < len(all) {
			changes = append(changes, change{"other families", "another bias may fit better", 0.6,
				&iterationChange{Iteration: iter + 1, Change: "search every learner family", Families: all}})
		}
		if st.Config.BudgetSeconds*2 <= p.opts.MaxBudget.Seconds() {
			changes = append(changes, change{"more budget", "more candidates", 0.5,
				&iterationChange{Iteration: iter + 1, Change: "double the budget", BudgetFactor: 2}})
		}
	}

	// The rules' verdict: stop (why, how sure, and what another iteration is worth), or iterate.
	var stopWhy, otherNote string
	var stopScore float64
	switch {
	case len(an.SuccessCriteria) == 0:
		stopWhy, stopScore, otherNote = fmt.Sprintf("no success criterion was stated; the search already optimized %s within the budget (validation %.4g)", st.Metric, st.Score), 0.8, "no target to reach"
	case len(crit) == 0:
		stopWhy, stopScore, otherNote = "there are no validation predictions to judge the criteria by ("+unreachable+"); a larger budget is needed", 0.6, "with the same budget it would end the same way"
	case len(unmet) == 0:
		stopWhy, stopScore, otherNote = "every success criterion holds on validation data", 0.9, "nothing to fix"
	case unreachable != "":
		stopWhy, stopScore, otherNote = unreachable+"; another iteration cannot close a gap this large", 0.85, "the trade-off is in the data, not the learner"
	case maxGap > iterateGap:
		stopWhy, stopScore, otherNote = fmt.Sprintf("the shortfall on validation (%.3f) is beyond what another iteration is expected to close (%.2f)", maxGap, iterateGap), 0.7, "unlikely to close the gap"
	case iter >= p.opts.MaxIterations:
		stopWhy, stopScore = fmt.Sprintf("the iteration limit (%d) is reached", p.opts.MaxIterations), 1
	case len(changes) == 0:
		stopWhy, stopScore = "nothing is left to change (classes weighted, every family searched, budget at its cap)", 0.9
	default:
		stopScore = 0.3 // iterate: the changes keep their scores
	}
	var alts []decision.Alternative
	if stopWhy != "" {
		alts = append(alts, alt(stopOption, stopScore, stopWhy))
		for _, c := range changes {
			alts = append(alts, alt(c.option, 1-stopScore, otherNote))
		}
	} else {
		for _, c := range changes {
			alts = append(alts, alt(c.option, c.score, c.note))
		}
		alts = append(alts, alt(stopOption, stopScore, fmt.Sprintf("criteria missed by at most %.3f", maxGap)))
	}
	choice := alts[0].Option
	var ans reasoner.Answer
	consulted := len(alts) > 1
	if consulted {
		var err error
		ans, err = p.consult(ctx, reasoner.Request{
			Type:     typeIteration,
			Question: "Should training stop and deploy, or run another iteration, and with which change? Answer one of the options.",
			Facts:    ev,
			Options:  options(alts),
			Schema:   reasoner.StringEnum("stop, or the change the next iteration makes", optionValues(alts)...),
		})
		if err != nil {
			return nil, decision.Decision{}, err
		}
		if choice, err = reasoner.Choice(ans.Value); err != nil {
			return nil, decision.Decision{}, err
		}
	}
	// The choice first, so the recorded confidence is the choice's.
	for i, a := range alts {
		if a.Option == choice {
			alts[0], alts[i] = alts[i], alts[0]
		}
	}
	var next *iterationChange
	var d decision.Decision
	if choice == stopOption {
		why := stopWhy
		if why == "" {
			why = fmt.Sprintf("criteria missed by at most %.3f on validation", maxGap)
		}
		d = p.ruled(typeIteration, "stop iterating: "+why, why, alts, ev)
	} else {
		for _, c := range changes {
			if c.option == choice {
				next = c.ch
			}
		}
		var names []string
		for _, c := range unmet {
			names = append(names, fmt.Sprintf("%s (%.3f on validation)", describeCriterion(c.SuccessCriterion), c.Achieved))
		}
		why := fmt.Sprintf("Not met on validation: %s. The shortfall is small enough that %s may close it.", strings.Join(names, "; "), next.Change)
		if len(names) == 0 {
			why = fmt.Sprintf("Iteration %d tries %s.", next.Iteration, next.Change)
		}
		d = p.ruled(typeIteration, fmt.Sprintf("train iteration %d: %s", next.Iteration, next.Change), why, alts, ev)
	}
	if consulted {
		d = reasoned(d, ans)
	}
	return next, d, nil
}
