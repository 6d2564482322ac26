package pipeline_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/reasonertest"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
)

// routed are the pipeline's own decision types that go through the reasoner on titanic with a
// derived budget (the analyzer's are tested in agents/analyze).
var routed = []string{"drop_column", "model_family", "budget", "iteration"}

// runTitanic takes titanic to COMPLETED with reasoner r and a derived budget, and returns the
// project with its decisions.
func runTitanic(t *testing.T, r reasoner.Reasoner) (*pipelinetest.Env, *ent.Project, []*ent.AuditEntry) {
	t.Helper()
	e := startEnv(t, pipelinetest.Config{Reasoner: r, Pipeline: pipeline.Options{MinBudget: time.Second}})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "titanic.csv"), Description: "predict who survived"})
	p = wait(t, e, p.ID, 120*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	return e, p, audit(t, e, p.ID)
}

// droppedColumns returns the columns a project's plan drops.
func droppedColumns(t *testing.T, p *ent.Project) []string {
	t.Helper()
	var out []string
	for _, d := range planOf(t, p).GetDroppedColumns() {
		out = append(out, d.GetColumn())
	}
	return out
}

// TestPipelineDecisionsGoThroughTheReasoner: a well-behaved model reasoner makes the column
// drops, the families, the budget and the iteration decision, and is recorded as their
// reasoner.
func TestPipelineDecisionsGoThroughTheReasoner(t *testing.T) {
	t.Parallel()
	fake := &reasonertest.LLM{}
	_, p, es := runTitanic(t, reasoner.NewGuard(fake))
	for _, typ := range routed {
		ds := decisionsOf(es, typ)
		asked := slices.ContainsFunc(ds, func(a *ent.AuditEntry) bool { return a.Reasoner == "fake-llm" })
		if !asked {
			t.Errorf("no %s decision recorded with reasoner fake-llm: %v", typ, ds)
		}
		if !slices.ContainsFunc(fake.Prompts(), func(s string) bool { return strings.Contains(s, "("+typ+")") }) {
			t.Errorf("the model was never asked a %s decision", typ)
		}
	}
	for _, col := range []string{"PassengerId", "Name", "Ticket"} {
		if !slices.Contains(droppedColumns(t, p), col) {
			t.Errorf("plan drops %v, want %s dropped as the rules would", droppedColumns(t, p), col)
		}
	}
}

// TestBadReasonerAnswersFallBackToRules: answers that are not JSON, name a column the data
// does not have, or come too late are replaced by the rules' answers, recorded as such, and
// the project ends as the rules alone would take it.
func TestBadReasonerAnswersFallBackToRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		r    reasoner.Reasoner
		why  string
	}{
		{"bad JSON", reasoner.NewGuard(&reasonertest.LLM{Behavior: reasonertest.BadJSON}), "fallback from fake-llm"},
		{"unknown column", reasoner.NewGuard(&reasonertest.LLM{Behavior: reasonertest.UnknownValue}), "no_such_column_x"},
		{"timeout", &reasoner.Guard{Primary: &reasonertest.LLM{Behavior: reasonertest.Hang, Delay: time.Second}, Fallback: reasoner.Rules{}, Timeout: 100 * time.Millisecond}, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p, es := runTitanic(t, tc.r)
			for _, typ := range routed {
				var got []string
				for _, a := range decisionsOf(es, typ) {
					got = append(got, a.Reasoner)
				}
				if !slices.ContainsFunc(got, func(s string) bool {
					return strings.HasPrefix(s, "rules (fallback from fake-llm") && strings.Contains(s, tc.why)
				}) {
					t.Errorf("%s decisions by %q, want a rules fallback naming %q", typ, got, tc.why)
				}
				if slices.Contains(got, "fake-llm") {
					t.Errorf("%s decision recorded as the failing model's", typ)
				}
			}
			for _, col := range []string{"PassengerId", "Name", "Ticket"} {
				if !slices.Contains(droppedColumns(t, p), col) {
					t.Errorf("plan drops %v, want %s dropped by the rules", droppedColumns(t, p), col)
				}
			}
		})
	}
}

// scripted answers the family and drop decisions its own way (valid but not the rules'
// answers) and leaves the rest to the rules.
type scripted struct{}

func (scripted) Name() string { return "scripted" }

func (scripted) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	ans, err := reasoner.Rules{}.Decide(ctx, req)
	if err != nil {
		return ans, err
	}
	ans.Reasoner, ans.Reasoning = "scripted", "scripted for the test"
	switch req.Type {
	case "model_family":
		ans.Value = json.RawMessage(`["linear"]`)
	case "drop_column":
		var cols []string
		if err := json.Unmarshal(ans.Value, &cols); err != nil {
			return ans, err
		}
		ans.Value, _ = json.Marshal(slices.DeleteFunc(cols, func(c string) bool { return c == "Ticket" }))
	}
	return ans, nil
}

// TestReasonerChoiceChangesWhatHappens: a valid answer other than the rules' is followed — the
// search runs only the family chosen, and a flagged column the reasoner keeps stays a feature
// of the deployed model — and recorded.
func TestReasonerChoiceChangesWhatHappens(t *testing.T) {
	t.Parallel()
	e, p, es := runTitanic(t, reasoner.NewGuard(scripted{}))
	if got := planOf(t, p).GetModelFamilies(); !slices.Equal(got, []string{"linear"}) {
		t.Errorf("plan families = %v, want the reasoner's [linear]", got)
	}
	var st struct {
		Members []string `json:"members"`
	}
	readState(t, e, p.ID, "train-1.json", &st)
	for _, m := range st.Members {
		if !strings.HasPrefix(m, "linear") {
			t.Errorf("trained blend %v has a member outside the chosen family", st.Members)
		}
	}
	if slices.Contains(droppedColumns(t, p), "Ticket") {
		t.Errorf("plan drops %v, want Ticket kept as the reasoner decided", droppedColumns(t, p))
	}
	kept := slices.ContainsFunc(decisionsOf(es, "drop_column"), func(a *ent.AuditEntry) bool {
		return strings.HasPrefix(a.Decision, "keep column Ticket") && a.Reasoner == "scripted"
	})
	if !kept {
		t.Errorf("no decision records that the reasoner kept Ticket")
	}
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.FeatureSchema), `"Ticket"`) {
		t.Errorf("deployed model's features %s do not include the kept Ticket", m.FeatureSchema)
	}
}
