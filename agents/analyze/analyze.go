// Package analyze is the ProblemAnalyzer: it reads what a user wrote ("predict
// which customers will churn") and a sample of their data, and decides the
// target column, the problem type, the domain, the metrics and the success
// criteria, each as a recorded decision with its alternatives, evidence,
// reasoning and confidence.
//
// The analyzer measures; a reasoner decides. Every column is scored as a
// target from the description (its name or its values named near words such
// as "predict", "whether", "which", matched by stem, spelling and a small
// lexicon of everyday synonyms) and from the data (label-like values, a name
// such as "label", being the odd one out among the columns). The scores go to
// the reasoner as options; the rules reasoner picks the best and reports as
// its confidence the chance that it rather than the runner-up is the one that
// suits (decision.SuitConfidence). Nothing here knows any particular dataset.
package analyze

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/ml/frame"
)

// maxOptions bounds the target candidates handed to the reasoner.
const maxOptions = 12

// Analyzer is the ProblemAnalyzer.
type Analyzer struct {
	reasoner reasoner.Reasoner
	lex      *lexicon
	now      func() time.Time
}

// New returns an analyzer that asks r for its decisions; nil means the rules.
// Wrap a model-backed reasoner in reasoner.Guard so that bad answers fall
// back to the rules.
func New(r reasoner.Reasoner) *Analyzer {
	if r == nil {
		r = reasoner.Rules{}
	}
	return &Analyzer{reasoner: r, lex: newLexicon(), now: time.Now}
}

// Analyze decides the problem from a description and a sample of the data
// (a few thousand rows are plenty). A description that names no usable
// target, on data that does not point to one either, gives a *NoTargetError;
// the analysis returned with it lists the candidate columns. A vague
// description is refused before any reasoner is asked: a model would be
// guessing from the same words.
func (a *Analyzer) Analyze(ctx context.Context, description string, sample *frame.Frame) (*Analysis, error) {
	if sample == nil || sample.NCols() == 0 || sample.NRows() == 0 {
		return nil, fmt.Errorf("analyze: the data sample is empty")
	}
	cols, err := columnFacts(ctx, sample)
	if err != nil {
		return nil, err
	}
	p := parseDescription(a.lex, description)
	scores := scoreTargets(p, cols)
	slices.SortFunc(scores, func(x, y targetScore) int {
		if c := cmp.Compare(y.total, x.total); c != 0 {
			return c
		}
		return strings.Compare(x.col.name, y.col.name)
	})
	an := &Analysis{DataType: dataType(cols)}
	for _, s := range scores {
		an.Candidates = append(an.Candidates, Candidate{Column: s.col.name, Score: s.total, Evidence: s.evidence})
	}
	if err := weakTarget(description, scores, cols); err != nil {
		return an, err
	}

	// 1. Target column.
	target, err := a.decideTarget(ctx, an, p, description, scores, cols)
	if err != nil {
		return an, err
	}
	an.TargetColumn = target.col.name
	an.Unlabeled = target.col.rows - target.col.present

	// 2. Problem type.
	task, err := a.decideTask(ctx, an, p, target.col)
	if err != nil {
		return an, err
	}
	an.ProblemType = task
	if task == Binary {
		var why string
		an.PositiveClass, why = positiveClass(target.col, target.mentions)
		// The class of interest is part of the task decision's record.
		d := &an.Decisions[len(an.Decisions)-1]
		d.Evidence["positive_class"] = an.PositiveClass
		d.Evidence["positive_class_reason"] = why
		d.Decision += fmt.Sprintf(", positive class %q", an.PositiveClass)
	}

	// 3. Success criteria, when the description states some.
	if err := a.decideCriteria(ctx, an, description, target.col); err != nil {
		return an, err
	}

	// 4. Metrics.
	if err := a.decideMetrics(ctx, an, target.col); err != nil {
		return an, err
	}

	// 5. Domain.
	if err := a.decideDomain(ctx, an, p, cols); err != nil {
		return an, err
	}

	cx, why := complexity(cols, target.col, an.ProblemType, sample.NRows())
	an.Complexity = cx
	an.Confidence = an.Decisions[0].Confidence
	if c := an.Decisions[1].Confidence; c < an.Confidence {
		an.Confidence = c
	}
	an.Reasoning = summarize(an, why)
	return an, nil
}

// weakTarget returns a *NoTargetError when no column has enough evidence.
func weakTarget(description string, scores []targetScore, cols []colFacts) error {
	var cands []string
	for _, s := range scores {
		cands = append(cands, s.col.name)
	}
	example := "predict <column>"
	if len(cands) > 0 {
		example = "predict " + cands[0]
	}
	switch {
	case len(scores) == 0:
		return &NoTargetError{Why: "no column can be predicted (all are identifiers, constant, free text or dates)", Example: example}
	case scores[0].total < minTarget:
		why := "the description names no column or class value"
		if strings.TrimSpace(description) == "" {
			why = "the description is empty"
		}
		return &NoTargetError{Candidates: cands, Why: why + ", and no column stands out in the data", Example: example}
	}
	return nil
}

// decide asks the reasoner and records the decision.
func (a *Analyzer) decide(ctx context.Context, an *Analysis, req reasoner.Request, summary func(json.RawMessage) string) (json.RawMessage, error) {
	ans, err := a.reasoner.Decide(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("decide %s: %w", req.Type, err)
	}
	if err := reasoner.Validate(req, ans); err != nil {
		return nil, fmt.Errorf("decide %s with %s: %w", req.Type, a.reasoner.Name(), err)
	}
	an.Decisions = append(an.Decisions, reasoner.Record(req, ans, summary(ans.Value), a.now()))
	return ans.Value, nil
}

func (a *Analyzer) decideTarget(ctx context.Context, an *Analysis, p parsed, description string, scores []targetScore, cols []colFacts) (targetScore, error) {
	var opts []reasoner.Option
	var usable []string
	byName := map[string]targetScore{}
	for i, s := range scores {
		if i < maxOptions {
			opts = append(opts, reasoner.Option{Value: s.col.name, Score: s.total, Evidence: s.evidence})
		}
		usable = append(usable, s.col.name)
		byName[s.col.name] = s
	}
	var summaries []map[string]any
	for i := range cols {
		c := &cols[i]
		m := map[string]any{"column": c.name, "kind": c.kind.String(), "distinct": c.distinct,
			"missing_ratio": round2(c.missing)}
		if c.unusable != "" {
			m["unusable"] = c.unusable
		}
		summaries = append(summaries, m)
	}
	slices.SortFunc(summaries, func(x, y map[string]any) int { return strings.Compare(x["column"].(string), y["column"].(string)) })
	req := reasoner.Request{
		Type:     decision.TargetColumn,
		Question: "Which column should the model predict?",
		Facts: map[string]any{
			"description":  description,
			"target_words": targetWords(p),
			"columns":      summaries,
		},
		Options: opts,
		Schema:  reasoner.StringEnum("the name of the column to predict", usable...),
		Check: func(v json.RawMessage) error {
			name, err := reasoner.Choice(v)
			if err != nil {
				return err
			}
			if _, ok := byName[name]; !ok {
				return fmt.Errorf("column %q does not exist or cannot be predicted", name)
			}
			return nil
		},
	}
	v, err := a.decide(ctx, an, req, func(v json.RawMessage) string {
		name, _ := reasoner.Choice(v)
		return "predict column " + name
	})
	if err != nil {
		return targetScore{}, err
	}
	name, _ := reasoner.Choice(v)
	return byName[name], nil
}

func (a *Analyzer) decideTask(ctx context.Context, an *Analysis, p parsed, c *colFacts) (ProblemType, error) {
	facts := map[string]any{"target": c.name, "kind": c.kind.String(), "distinct": c.distinct,
		"whole_numbers": c.integer, "regression_words": uniq(p.regressionCues), "class_words": uniq(p.classCues)}
	if len(c.levels) > 0 && c.distinct <= 12 {
		facts["classes"] = c.levels
	}
	req := reasoner.Request{
		Type:     decision.ProblemType,
		Question: fmt.Sprintf("Is predicting %q a binary classification, a multiclass classification or a regression?", c.name),
		Facts:    facts,
		Options:  problemOptions(p, c),
		Schema:   reasoner.StringEnum("the learning task", string(Binary), string(Multiclass), string(Regression)),
		Check: func(v json.RawMessage) error {
			t, err := reasoner.Choice(v)
			if err != nil {
				return err
			}
			switch {
			case t == string(Binary) && c.distinct != 2 && c.present > 0:
				return fmt.Errorf("binary needs two classes; %q has %d", c.name, c.distinct)
			case t != string(Binary) && c.distinct == 2:
				return fmt.Errorf("%q has exactly two values; only binary fits", c.name)
			case t == string(Regression) && !c.numeric():
				return fmt.Errorf("regression needs numbers; %q is %s", c.name, c.kind)
			}
			return nil
		},
	}
	v, err := a.decide(ctx, an, req, func(v json.RawMessage) string {
		t, _ := reasoner.Choice(v)
		return t + " on " + c.name
	})
	if err != nil {
		return "", err
	}
	t, _ := reasoner.Choice(v)
	return ProblemType(t), nil
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// targetWords lists the description's words that stand where a target is
// named, for the evidence.
func targetWords(p parsed) []string {
	var out []string
	for _, w := range p.words {
		if w.role == roleTarget {
			out = append(out, w.text)
		}
	}
	return out
}

// dataType says whether the table is mainly free text or a list of
// images: "text", "image", "multimodal" or "tabular".
func dataType(cols []colFacts) string {
	text, other, images := 0, 0, 0
	for i := range cols {
		switch {
		case cols[i].imagePaths():
			images++
		case cols[i].kind == frame.Text:
			text++
		case cols[i].unusable == "":
			other++
		}
	}
	switch {
	case images > 0 && text == 0 && other <= 3:
		return "image"
	case text > 0 && images == 0 && other <= 3:
		return "text"
	case text > 0 || images > 0:
		return "multimodal"
	}
	return "tabular"
}
