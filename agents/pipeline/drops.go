package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
)

// dropCandidate is a column the DataProcessor's measurements say to leave out, with the
// decision that drops it (alternatives "drop" first, then keeping it).
type dropCandidate struct {
	column string
	// reason is recorded with the dropped column; why is its short form.
	reason, why string
	decision    decision.Decision
}

// contested reports whether keeping the column is a real alternative (it scored above zero):
// constant and empty columns are dropped without asking.
func (c dropCandidate) contested() bool {
	return len(c.decision.Alternatives) > 1 && c.decision.Alternatives[1].Score != nil && *c.decision.Alternatives[1].Score > 0
}

// confirmDrops drops the candidates: the uncontested ones at once, the contested ones as the
// reasoner decides — the rules propose dropping them all; the answer is the list of those to
// drop (each must be a candidate, so a column the data does not have falls back to the rules).
// A kept column stays a feature and its decision says so.
func (p *Pipeline) confirmDrops(ctx context.Context, out *outcome, ds *dataState, cands []dropCandidate) error {
	var contested []string
	var facts []map[string]any
	for _, c := range cands {
		if c.contested() {
			contested = append(contested, c.column)
			f := map[string]any{"column": c.column, "flag": c.why}
			for k, v := range c.decision.Evidence {
				f[k] = v
			}
			facts = append(facts, f)
		}
	}
	drop := contested
	var ans reasoner.Answer
	if len(contested) > 0 {
		var err error
		ans, err = p.consult(ctx, reasoner.Request{
			Type:     typeDropColumn,
			Question: "Which of these flagged columns should be left out of training? Answer the list of the columns to drop (the others are kept as features).",
			Facts:    map[string]any{"target": ds.Target, "candidates": facts},
			Proposal: &reasoner.Proposal{Value: mustJSONValue(contested), Confidence: 0.8,
				Reasoning: fmt.Sprintf("Every flagged column is dropped: %s; each one's measurements say it identifies rows or leaks the target.", strings.Join(contested, ", "))},
			Schema: subsetSchema("the columns to drop", contested),
			Check:  checkSubset(0),
		})
		if err != nil {
			return err
		}
		drop = decodeSubset(ans.Value, contested)
	}
	for _, c := range cands {
		d := c.decision
		if c.contested() {
			if !slices.Contains(drop, c.column) {
				alts := slices.Clone(d.Alternatives)
				alts[0], alts[1] = alts[1], alts[0]
				d = p.ruled(typeDropColumn, fmt.Sprintf("keep column %s (flagged as %s)", c.column, c.why),
					fmt.Sprintf("Column %q was flagged (%s) but is kept as a feature.", c.column, c.reason), alts, d.Evidence)
			}
			d = reasoned(d, ans)
		}
		out.decide(d)
		if slices.Contains(drop, c.column) || !c.contested() {
			ds.Dropped = append(ds.Dropped, droppedColumn{Column: c.column, Reason: c.reason})
		}
	}
	return nil
}
