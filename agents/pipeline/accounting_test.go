package pipeline_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/llm"
	"github.com/trainyard/trainyard/internal/store"
)

// meteredModel is a model-backed reasoner on the shared llm path (prompt, meter, cache, parse)
// whose "model" answers what the rules would, reporting fixed token counts per call.
type meteredModel struct {
	meter *llm.Meter
}

func (meteredModel) Name() string { return "metered-model" }

func (m meteredModel) Decide(ctx context.Context, req reasoner.Request) (reasoner.Answer, error) {
	call := func(ctx context.Context, _ string, _ json.RawMessage) (llm.Reply, error) {
		ans, err := reasoner.Rules{}.Decide(ctx, req)
		if err != nil {
			return llm.Reply{}, err
		}
		b, err := json.Marshal(reasoner.Reply{Value: ans.Value, Reasoning: "the model agrees: " + ans.Reasoning, Confidence: ans.Confidence})
		return llm.Reply{Text: string(b), InputTokens: 100, OutputTokens: 10}, err
	}
	return llm.Decide(ctx, m.Name(), "test", nil, m.meter, call, req)
}

// TestStageModelCallsAreChargedToTheProject: the model calls a stage makes are booked to the
// project the stage runs for, not to another project and not to nobody.
func TestStageModelCallsAreChargedToTheProject(t *testing.T) {
	t.Parallel()
	meter := llm.NewMeter(llm.Price{Input: 1, Output: 2})
	e := startEnv(t, pipelinetest.Config{NoWorker: true, Reasoner: reasoner.NewGuard(meteredModel{meter: meter})})
	ctx := context.Background()
	ds := upload(t, e, "iris.csv")
	a := submit(t, e, pipelinetest.Submission{DatasetID: ds, Description: "predict the species"})
	b := submit(t, e, pipelinetest.Submission{DatasetID: ds, Description: "predict the species of the flower"})
	run := func(id uuid.UUID, stage store.Stage) {
		t.Helper()
		p, err := e.Store.GetProject(sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Stage != stage {
			t.Fatalf("project %s is %s, want %s (%s)", id, p.Stage, stage, p.ErrorMessage)
		}
		if err := e.Pipeline.Handle(ctx, store.ProjectTrigger{ProjectID: p.ID, Stage: p.Stage}); err != nil {
			t.Fatal(err)
		}
	}
	run(a.ID, store.StageAnalyzing)
	ua := meter.Project(a.ID.String())
	if ua.Calls == 0 || ua.InputTokens != 100*int64(ua.Calls) {
		t.Fatalf("usage of project A after its analysis = %+v, want its calls at 100 input tokens each", ua)
	}
	if ub := meter.Project(b.ID.String()); ub != (llm.Usage{}) {
		t.Errorf("usage of project B before it ran = %+v, want none", ub)
	}
	run(b.ID, store.StageAnalyzing)
	if ub := meter.Project(b.ID.String()); ub.Calls == 0 {
		t.Errorf("usage of project B after its analysis = %+v, want its calls", ub)
	}
	if got := meter.Project(a.ID.String()); got != ua {
		t.Errorf("usage of project A after B's analysis = %+v, want it unchanged at %+v", got, ua)
	}
	if u := meter.Project(""); u != (llm.Usage{}) {
		t.Errorf("usage charged to no project = %+v, want none", u)
	}
	tot := meter.Total()
	if tot.Calls != meter.Project(a.ID.String()).Calls+meter.Project(b.ID.String()).Calls {
		t.Errorf("total calls %d, want the sum of both projects' calls", tot.Calls)
	}
}
