package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/ml/frame"
)

// Model labeling settings.
const (
	// llmLabelsKey names the stored answers, so a re-run stage does not pay for them again.
	llmLabelsKey = "llm-labels.json"
	// llmSampleRows is how many unlabeled rows the model labels.
	llmSampleRows = 200
	// llmBatchRows is how many rows one request carries.
	llmBatchRows = 20
	// llmOverlapRows are labeled a second time in another batch, to measure consistency.
	llmOverlapRows = 10
	// llmExamples is the most labeled rows shown as examples (few-shot); the other labeled
	// rows are labeled blind to measure agreement.
	llmExamples = 6
	// llmMinAgreement: labels that agree less with the given labels are not used.
	llmMinAgreement = 0.6
	// llmGiveUp: when this many first batches all fail, the rest are not sent.
	llmGiveUp = 3
	// llmMaxColumns bounds the columns of a row shown to the model.
	llmMaxColumns = 40
	// llmMaxClasses bounds the classes a model may propose.
	llmMaxClasses = 20
)

// canLabel reports whether the reasoner can label rows: a model-backed one can, the rules
// cannot (they only pick among options the agents scored).
func (p *Pipeline) canLabel() bool { return p.reasoner.Name() != reasoner.RulesName }

// llmAnswer is one labeled row.
type llmAnswer struct {
	Row   int    `json:"row"`
	Label string `json:"label"`
}

// llmBatch is one request and its answer.
type llmBatch struct {
	Rows     []int       `json:"rows"`
	Answers  []llmAnswer `json:"answers,omitempty"`
	Reasoner string      `json:"reasoner,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// llmState is what the model was asked and answered.
type llmState struct {
	Classes []string    `json:"classes"`
	Batches []*llmBatch `json:"batches"`
}

// usageReporter is a model-backed reasoner that meters tokens and cost per project.
type usageReporter interface {
	Usage(projectID string) llm.Usage
}

// llmUsage returns the reasoner's usage for a project, when it meters it.
func (p *Pipeline) llmUsage(id string) (llm.Usage, bool) {
	rs := p.reasoner
	if g, ok := rs.(*reasoner.Guard); ok {
		rs = g.Primary
	}
	if u, ok := rs.(usageReporter); ok {
		return u.Usage(id), true
	}
	return llm.Usage{}, false
}

// llmLabel has the model label a sample of the unlabeled rows in batches (few-shot with some
// labeled rows as examples, zero-shot with classes it proposes from the description when
// there are none), measures its agreement with the labeled rows it labels blind and with
// itself on rows labeled twice, and accounts calls, cache hits, tokens and cost. It returns
// false, with the reason recorded, when the model cannot label or its labels disagree too
// much with the given ones; the rows are then left to the owner.
func (p *Pipeline) llmLabel(ctx context.Context, r *run, out *outcome, ds *dataState, f *frame.Frame, an *analyze.Analysis, ls *labelSet) (bool, error) {
	pid := r.proj.ID.String()
	ctx = llm.WithProject(ctx, pid)
	before, metered := p.llmUsage(pid)
	shown := labelColumns(f, ds)
	truth := ls.rows(sourceGiven, sourceOwner)
	var st llmState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, llmLabelsKey), &st); err != nil && !errors.Is(err, errNoState) {
		return false, err
	}
	classes := classList(ls, truth)
	zeroShot := len(classes) < 2
	if zeroShot {
		if len(st.Classes) >= 2 {
			classes = st.Classes
		} else {
			c, ans, err := p.askClasses(ctx, r, f, ds, shown)
			if err != nil {
				if ctx.Err() != nil {
					return false, ctx.Err()
				}
				out.decide(p.ruled(typeLabeling, "the language model proposed no classes",
					fmt.Sprintf("Asked for the classes of %q from the description, %s gave no usable answer (%v).", ds.Target, p.reasoner.Name(), err),
					[]decision.Alternative{alt("ask the owner", 1, "no label is invented")}, map[string]any{"error": err.Error()}))
				return false, nil
			}
			classes = c
			out.decide(reasoner.Record(classRequest(f, ds, shown), ans, fmt.Sprintf("classes of %s: %s", ds.Target, strings.Join(c, ", ")), p.now()))
		}
	}
	st.Classes = classes
	rng := rand.New(rand.NewPCG(p.opts.Seed, 13))
	examples, blind := pickExamples(ls, truth, rng)
	var unl []int
	for i, s := range ls.Source {
		if s == sourceNone {
			unl = append(unl, i)
		}
	}
	rng.Shuffle(len(unl), func(a, b int) { unl[a], unl[b] = unl[b], unl[a] })
	sample := unl[:min(llmSampleRows, len(unl))]
	items := append(slices.Clone(blind), sample...)
	rng.Shuffle(len(items), func(a, b int) { items[a], items[b] = items[b], items[a] })
	var batches [][]int
	for start := 0; start < len(items); start += llmBatchRows {
		batches = append(batches, items[start:min(start+llmBatchRows, len(items))])
	}
	overlap := sample[:min(llmOverlapRows, len(sample))]
	if len(overlap) > 0 {
		batches = append(batches, slices.Clone(overlap))
	}
	failed, asked := 0, 0
	for b, rows := range batches {
		if failed >= llmGiveUp && failed == asked {
			break // the first batches all failed: the model cannot label here
		}
		asked++
		if b < len(st.Batches) && slices.Equal(st.Batches[b].Rows, rows) && st.Batches[b].Error == "" {
			continue // answered before the stage was interrupted
		}
		r.progress(0.2+0.6*float64(b)/float64(len(batches)), -1, fmt.Sprintf("language-model labeling: batch %d of %d", b+1, len(batches)), false)
		bt := &llmBatch{Rows: rows}
		req := labelRequest(f, ds, r.proj.ProblemDescription, shown, classes, examples, ls, rows)
		ans, err := p.reasoner.Decide(ctx, req)
		switch {
		case ctx.Err() != nil:
			return false, ctx.Err()
		case err != nil:
			bt.Error = err.Error()
		case !strings.HasPrefix(ans.Reasoner, p.reasoner.Name()):
			bt.Error = "answered by " + ans.Reasoner
		default:
			if err := json.Unmarshal(ans.Value, &bt.Answers); err != nil {
				bt.Error = err.Error()
			}
			bt.Reasoner = ans.Reasoner
		}
		if bt.Error != "" {
			failed++
		}
		if b < len(st.Batches) {
			st.Batches[b] = bt
		} else {
			st.Batches = append(st.Batches, bt)
		}
		if err := p.putJSON(ctx, stateKey(r.proj.ID, llmLabelsKey), &st); err != nil {
			return false, err
		}
	}
	if asked < len(batches) {
		failed += len(batches) - asked
	}
	st.Batches = st.Batches[:min(len(st.Batches), len(batches))]
	for len(st.Batches) < len(batches) {
		st.Batches = append(st.Batches, &llmBatch{Rows: batches[len(st.Batches)], Error: "not asked: the first batches failed"})
	}
	// Tally: first answer per row; the overlap batch checks consistency.
	first := map[int]string{}
	for _, bt := range st.Batches[:len(batches)-min(1, len(overlap))] {
		for _, a := range bt.Answers {
			first[a.Row] = a.Label
		}
	}
	consistent, twice := 0, 0
	if len(overlap) > 0 {
		for _, a := range st.Batches[len(batches)-1].Answers {
			if l, ok := first[a.Row]; ok {
				twice++
				if l == a.Label {
					consistent++
				} else {
					delete(first, a.Row) // the model is unsure: leave the row out
				}
			}
		}
	}
	agree, checked := 0, 0
	confusion := map[string]int{}
	for _, i := range blind {
		if l, ok := first[i]; ok {
			checked++
			if l == ls.Values[i] {
				agree++
			} else {
				confusion[ls.Values[i]+" labeled "+l]++
			}
		}
	}
	labeled := map[string]int{}
	var got []int
	for _, i := range sample {
		if l, ok := first[i]; ok {
			got = append(got, i)
			labeled[l]++
		}
	}
	agreement := -1.0
	if checked > 0 {
		agreement = round3(float64(agree) / float64(checked))
	}
	consistency := -1.0
	if twice > 0 {
		consistency = round3(float64(consistent) / float64(twice))
	}
	ev := map[string]any{"reasoner": p.reasoner.Name(), "classes": classes, "zero_shot": zeroShot, "examples": len(examples),
		"sampled_rows": len(sample), "batches": len(batches), "batch_rows": llmBatchRows, "failed_batches": failed,
		"labeled_rows": len(got), "label_counts": labeled, "blind_checked": checked, "agreement_with_given_labels": agreement,
		"rows_labeled_twice": twice, "self_consistency": consistency, "disagreements": confusion, "min_agreement": llmMinAgreement}
	if metered {
		after, _ := p.llmUsage(pid)
		ev["calls"] = after.Calls - before.Calls
		ev["cache_hits"] = after.CacheHits - before.CacheHits
		ev["failures"] = after.Failures - before.Failures
		ev["input_tokens"] = after.InputTokens - before.InputTokens
		ev["output_tokens"] = after.OutputTokens - before.OutputTokens
		ev["cost_usd"] = after.CostUSD - before.CostUSD
	}
	quality := agreement
	if quality < 0 {
		quality = consistency
	}
	ok := failed*2 < len(batches) && len(labeled) >= 2 && (agreement < 0 || agreement >= llmMinAgreement)
	alts := []decision.Alternative{
		alt("use the model's labels", boolScore(ok, max(quality, 0.5), 0.2), fmt.Sprintf("agreement %s, self-consistency %s", pct(agreement), pct(consistency))),
		alt("ask the owner", boolScore(ok, 0.3, 0.8), "the owner names clusters or labels rows"),
	}
	if !ok {
		alts[0], alts[1] = alts[1], alts[0] // the choice first, so the confidence is the choice's
		why := fmt.Sprintf("%d of %d batches failed", failed, len(batches))
		if agreement >= 0 && agreement < llmMinAgreement {
			why = fmt.Sprintf("its labels agree with only %s of the %d given labels it labeled blind (at least %s needed)", pct(agreement), checked, pct(llmMinAgreement))
		} else if len(labeled) < 2 {
			why = fmt.Sprintf("its labels name %d class(es)", len(labeled))
		}
		out.decide(p.ruled(typeLabeling, "do not use the language model's labels: "+why,
			fmt.Sprintf("%s labeled %d sampled rows in %d batches, but %s. No label is used; the owner is asked instead.", p.reasoner.Name(), len(got), len(batches), why), alts, ev))
		return false, nil
	}
	for _, i := range got {
		ls.set(i, first[i], sourceLLM)
	}
	mode := "few-shot"
	if zeroShot {
		mode = "zero-shot"
	}
	out.decide(p.ruled(typeLabeling,
		fmt.Sprintf("%s labels from %s: %d rows (%s), agreement %s, self-consistency %s", mode, p.reasoner.Name(), len(got), countText(labeled), pct(agreement), pct(consistency)),
		fmt.Sprintf("%s labeled a random sample of %d unlabeled rows in %d batches of up to %d (%d examples shown). On the %d labeled rows it labeled without seeing their labels it agreed %s; on %d rows labeled twice in different batches it agreed with itself %s, and rows it labeled differently were left out. Its labels are marked as model-made; answers are cached, and calls, tokens and cost are in the evidence.",
			p.reasoner.Name(), len(sample), len(batches), llmBatchRows, len(examples), checked, pct(agreement), twice, pct(consistency)),
		alts, ev))
	return true, nil
}

// pct writes a share as a percentage, "n/a" when negative (not measured).
func pct(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

// pickExamples splits the labeled rows into few-shot examples (round robin over the classes)
// and the rest, which the model labels blind.
func pickExamples(ls *labelSet, truth []int, rng *rand.Rand) (examples, blind []int) {
	rows := slices.Clone(truth)
	rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
	byClass := map[string][]int{}
	var order []string
	for _, i := range rows {
		v := ls.Values[i]
		if _, ok := byClass[v]; !ok {
			order = append(order, v)
		}
		byClass[v] = append(byClass[v], i)
	}
	slices.Sort(order)
	taken := map[int]bool{}
	for len(examples) < min(llmExamples, len(rows)/2+1) && len(examples) < len(rows) {
		added := false
		for _, c := range order {
			if len(byClass[c]) > 0 && len(examples) < llmExamples {
				examples = append(examples, byClass[c][0])
				taken[byClass[c][0]] = true
				byClass[c] = byClass[c][1:]
				added = true
			}
		}
		if !added {
			break
		}
	}
	for _, i := range rows {
		if !taken[i] {
			blind = append(blind, i)
		}
	}
	slices.Sort(examples)
	slices.Sort(blind)
	return examples, blind
}

// labelColumns are the input columns shown to the model: not the target, not dropped, at most
// llmMaxColumns of them.
func labelColumns(f *frame.Frame, ds *dataState) []string {
	dropped := map[string]bool{ds.Target: true}
	for _, d := range ds.Dropped {
		dropped[d.Column] = true
	}
	var out []string
	for _, c := range f.Columns {
		if !dropped[c.Name] && len(out) < llmMaxColumns {
			out = append(out, c.Name)
		}
	}
	return out
}

// rowFacts renders rows for a prompt: index and values by column.
func rowFacts(f *frame.Frame, cols []string, rows []int) []map[string]any {
	out := make([]map[string]any, len(rows))
	for k, i := range rows {
		out[k] = map[string]any{"row": i, "values": labelingRow(f, cols, i, 0).GetValues()}
	}
	return out
}

// labelRequest asks the model to label rows.
func labelRequest(f *frame.Frame, ds *dataState, task string, cols, classes []string, examples []int, ls *labelSet, rows []int) reasoner.Request {
	ex := make([]map[string]any, len(examples))
	for k, i := range examples {
		ex[k] = map[string]any{"values": labelingRow(f, cols, i, 0).GetValues(), "label": ls.Values[i]}
	}
	want := map[int]bool{}
	for _, i := range rows {
		want[i] = true
	}
	return reasoner.Request{
		Type: typeLabeling,
		Question: fmt.Sprintf("Label each row below with its %q, one of %q, as the task describes. Answer every row exactly once, by its row number.",
			ds.Target, classes),
		Facts: map[string]any{"task": task, "target": ds.Target, "classes": classes, "labeled_examples": ex, "rows": rowFacts(f, cols, rows)},
		Schema: &reasoner.Schema{Type: "array", Description: "one entry per row", Items: &reasoner.Schema{
			Type: "object", Required: []string{"row", "label"},
			Properties: map[string]*reasoner.Schema{
				"row":   {Type: "integer", Description: "the row number"},
				"label": reasoner.StringEnum("the row's "+ds.Target, classes...),
			}}},
		Check: func(v json.RawMessage) error {
			var got []llmAnswer
			if err := json.Unmarshal(v, &got); err != nil {
				return err
			}
			seen := map[int]bool{}
			for _, a := range got {
				if !want[a.Row] {
					return fmt.Errorf("row %d was not asked for", a.Row)
				}
				if seen[a.Row] {
					return fmt.Errorf("row %d is labeled twice", a.Row)
				}
				seen[a.Row] = true
			}
			if len(seen) != len(want) {
				return fmt.Errorf("%d of %d rows labeled", len(seen), len(want))
			}
			return nil
		},
	}
}

// classRequest asks the model which classes the target takes (zero-shot labeling).
func classRequest(f *frame.Frame, ds *dataState, cols []string) reasoner.Request {
	n := min(5, f.NRows())
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i * max(1, f.NRows()/n)
	}
	return reasoner.Request{
		Type: typeLabeling,
		Question: fmt.Sprintf("No row has a %q yet. Which classes should %q take, as the task describes? Give the class names only (2 to %d).",
			ds.Target, ds.Target, llmMaxClasses),
		Facts:  map[string]any{"target": ds.Target, "columns": cols, "rows": rowFacts(f, cols, rows)},
		Schema: &reasoner.Schema{Type: "array", Description: "the class names", Items: &reasoner.Schema{Type: "string"}},
		Check: func(v json.RawMessage) error {
			var got []string
			if err := json.Unmarshal(v, &got); err != nil {
				return err
			}
			return checkClasses(got)
		},
	}
}

// checkClasses wants 2 to llmMaxClasses distinct, non-empty names.
func checkClasses(c []string) error {
	seen := map[string]bool{}
	for _, s := range c {
		if strings.TrimSpace(s) == "" || seen[s] {
			return fmt.Errorf("class names must be distinct and non-empty: %q", c)
		}
		seen[s] = true
	}
	if len(c) < 2 || len(c) > llmMaxClasses {
		return fmt.Errorf("%d classes, want 2 to %d", len(c), llmMaxClasses)
	}
	return nil
}

// askClasses asks the model for the classes.
func (p *Pipeline) askClasses(ctx context.Context, r *run, f *frame.Frame, ds *dataState, cols []string) ([]string, reasoner.Answer, error) {
	req := classRequest(f, ds, cols)
	req.Facts["task"] = r.proj.ProblemDescription
	ans, err := p.reasoner.Decide(ctx, req)
	if err != nil {
		return nil, ans, err
	}
	if !strings.HasPrefix(ans.Reasoner, p.reasoner.Name()) {
		return nil, ans, fmt.Errorf("answered by %s", ans.Reasoner)
	}
	var c []string
	if err := json.Unmarshal(ans.Value, &c); err != nil {
		return nil, ans, err
	}
	return c, ans, checkClasses(c)
}
