package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/automl"
)

// selectStage is MODEL_SELECTION: the ModelSelector chooses learner families, the search's
// starting hyperparameters and the budget, records the plan on the project, and decides
// whether a person must approve it first.
func (p *Pipeline) selectStage(ctx context.Context, r *run) (*outcome, error) {
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	out := &outcome{}
	rows := len(ds.Train)
	features := ds.Columns - 1 - len(ds.Dropped)

	// Families.
	type fam struct {
		name  string
		score float64
		note  string
	}
	fams := []fam{
		{automl.GBDT, 0.9, "gradient-boosted trees: the strongest default on tables, handles missing values and categories natively"},
		{automl.Linear, 0.7, "regularized linear model: fast, robust on small or wide data, often best blended with trees"},
		{automl.Forest, 0.55, "random forest: a different bias from boosting, useful in a blend on small and medium data"},
	}
	if len(ds.TextColumns) > 0 {
		fams = append([]fam{{automl.Text, 0.95, "linear models and naive Bayes over TF-IDF of the text column(s) " + strings.Join(ds.TextColumns, ", ") + ", stacked with the other columns: the strongest family on documents"}}, fams...)
	}
	if rows > 200_000 {
		fams[len(fams)-2].score, fams[len(fams)-2].note = 0.45, "linear model: rarely competitive on a large table with interactions"
	}
	if rows > 50_000 {
		fams[len(fams)-1].score, fams[len(fams)-1].note = 0.35, "random forest: slow to fit on this many rows for what it adds"
	}
	var chosen []string
	var alts []decision.Alternative
	for _, f := range fams {
		alts = append(alts, alt(f.name, f.score, f.note))
		if f.score >= 0.5 {
			chosen = append(chosen, f.name)
		}
	}
	chosen, err = p.decideFamilies(ctx, out, alts, chosen,
		fmt.Sprintf("With %d training rows and %d input columns, the families scoring at least 0.5 are searched; the search compares them on %s and may blend the best.", rows, features, an.SearchMetric),
		map[string]any{"train_rows": rows, "input_columns": features, "task": ds.Task, "metric": an.SearchMetric})
	if err != nil {
		return nil, err
	}

	// Hyperparameters: where the search starts.
	hp := map[string]any{
		"gbdt":   map[string]any{"num_leaves": 31, "learning_rate": 0.1, "min_data_in_leaf": min(20, max(2, rows/50)), "early_stopping": true},
		"linear": map[string]any{"c": 1.0},
		"forest": map[string]any{"num_trees": 100},
	}
	out.decide(p.ruled(typeHyperparameters, "start from LightGBM's defaults, then search locally around the best",
		"Defaults are a strong first candidate on most tables; every later candidate must beat the incumbent by more than the validation noise, so the search cannot overfit the validation folds by luck.",
		[]decision.Alternative{alt("defaults first, local search", 0.8, "robust, spends budget near good settings"), alt("random search", 0.5, "wastes budget far from good settings")},
		map[string]any{"initial": hp}))

	// Budget.
	budget, budgetDecision, err := p.chooseBudget(ctx, r, &ds, an.Complexity, rows, features)
	if err != nil {
		return nil, err
	}
	out.decide(budgetDecision)

	plan := &trainyardv1.TrainingPlan{}
	_ = fromProtoJSON(r.proj.Plan, plan)
	plan.TargetColumn = ds.Target
	plan.ProblemType = problemTypeProto(ds.Task)
	plan.Metric = an.SearchMetric
	plan.ModelFamilies = chosen
	plan.Budget = durationpb.New(budget)
	plan.DroppedColumns = nil
	for _, d := range ds.Dropped {
		plan.DroppedColumns = append(plan.DroppedColumns, &trainyardv1.DroppedColumn{Column: d.Column, Reason: d.Reason})
	}
	if s, err := structpb.NewStruct(hp); err == nil {
		plan.Hyperparameters = s
	}
	plan.Trainer = p.trainer.Name()
	plan.Reasoning = fmt.Sprintf("Predict %s (%s), optimizing %s; search %s for %s on the %s backend.",
		ds.Target, ds.Task, an.SearchMetric, strings.Join(chosen, ", "), budget, p.trainer.Name())
	return p.commitPlan(r, out, plan, budget, an.Confidence), nil
}

// commitPlan records the plan and its budget in out, then either stops for the owner's approval
// or moves on to the first TRAINING iteration.
func (p *Pipeline) commitPlan(r *run, out *outcome, plan *trainyardv1.TrainingPlan, budget time.Duration, confidence float64) *outcome {
	out.changes.Plan = protoJSON(plan)
	secs := int64(budget / time.Second)
	out.changes.BudgetSeconds = &secs
	ask, why, d := p.decideApproval(r, confidence)
	out.decide(d)
	if ask {
		out.next = store.StageAwaitingApproval
		out.message = "waiting for approval: " + why
		return out
	}
	one := 1
	out.changes.Iteration = &one
	out.next = store.StageTraining
	out.message = "plan ready: " + plan.Reasoning
	return out
}

// chooseBudget returns the training budget per iteration and the decision behind it. A
// derived budget is put to the reasoner among its alternatives.
func (p *Pipeline) chooseBudget(ctx context.Context, r *run, ds *dataState, complexity float64, rows, features int) (time.Duration, decision.Decision, error) {
	ev := map[string]any{"train_rows": rows, "input_columns": features, "complexity": round3(complexity),
		"cap_seconds": p.opts.MaxBudget.Seconds()}
	if s := r.proj.BudgetSeconds; s > 0 {
		b := min(time.Duration(s)*time.Second, p.opts.MaxBudget)
		ev["requested_seconds"] = s
		note := "set by the owner"
		if b < time.Duration(s)*time.Second {
			note += fmt.Sprintf(", capped at %s", p.opts.MaxBudget)
		}
		return b, p.ruled(typeBudget, fmt.Sprintf("train for %s per iteration (%s)", b, note),
			"The owner chose the budget; the search stops at the deadline with the best model found.",
			[]decision.Alternative{alt("owner's budget", 1, note)}, ev), nil
	}
	// A few seconds per thousand cells, scaled by how hard the problem looks.
	cells := float64(rows) * float64(max(1, features))
	secs := p.opts.MinBudget.Seconds() + cells/5000*(0.5+complexity)
	b := time.Duration(math.Round(secs)) * time.Second
	b = min(max(b, p.opts.MinBudget), p.opts.MaxBudget)
	ev["derived_seconds"] = b.Seconds()
	alts := []decision.Alternative{alt(b.String(), 0.7, "sized to the data"), alt((b / 2).String(), 0.4, "may stop before the search settles")}
	if 2*b <= p.opts.MaxBudget {
		alts = append(alts, alt((2*b).String(), 0.5, "slower for a small expected gain"))
	}
	return p.decideBudget(ctx, alts, ev,
		fmt.Sprintf("Derived from the data size (%d rows × %d columns) and the complexity %.2f: enough for the default candidates and a local search; the search stops early when no candidate improves.", rows, features, complexity))
}

// decideApproval decides whether the plan waits for a person.
func (p *Pipeline) decideApproval(r *run, confidence float64) (bool, string, decision.Decision) {
	ev := map[string]any{"requires_approval": r.proj.RequiresApproval, "analysis_confidence": round3(confidence), "threshold": p.opts.ApprovalConfidence}
	switch {
	case r.proj.RequiresApproval:
		why := "the owner asked to approve the plan"
		return true, why, p.ruled(typeApproval, "wait for approval: "+why, "The project was submitted with requiresApproval.",
			[]decision.Alternative{alt("wait for approval", 1, why), alt("train at once", 0, "not allowed")}, ev)
	case confidence < p.opts.ApprovalConfidence:
		why := fmt.Sprintf("the analysis is unsure (confidence %.2f below %.2f): check the target and problem type", confidence, p.opts.ApprovalConfidence)
		return true, why, p.ruled(typeApproval, "wait for approval: "+why,
			"The chosen target or problem type is not clearly the better of it and its runner-up, so a person should confirm the plan before training spends the budget.",
			[]decision.Alternative{alt("wait for approval", p.opts.ApprovalConfidence, "a person confirms the target"), alt("train at once", confidence, "risk training the wrong target")}, ev)
	}
	return false, "", p.ruled(typeApproval, "train at once: no approval needed",
		fmt.Sprintf("The owner did not ask to approve, and the analysis is confident enough (%.2f ≥ %.2f).", confidence, p.opts.ApprovalConfidence),
		[]decision.Alternative{alt("train at once", confidence, "confident analysis"), alt("wait for approval", p.opts.ApprovalConfidence, "only when unsure")}, ev)
}

// planFamilies returns the families of a stored plan that the engine knows.
func planFamilies(plan *trainyardv1.TrainingPlan) []string {
	var out []string
	for _, f := range plan.GetModelFamilies() {
		f = strings.ToLower(strings.TrimSpace(f))
		if (f == automl.GBDT || f == automl.Linear || f == automl.Forest || f == automl.Text) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
