package pipeline_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	mlmodel "github.com/trainyard/trainyard/ml/model"
)

func durationSeconds(s int) *durationpb.Duration { return durationpb.New(time.Duration(s) * time.Second) }

// labelingDecisions returns the LABELING stage's labeling decisions.
func labelingDecisions(es []*ent.AuditEntry) []*ent.AuditEntry {
	var out []*ent.AuditEntry
	for _, e := range decisionsOf(es, "labeling") {
		if e.Stage == store.StageLabeling {
			out = append(out, e)
		}
	}
	return out
}

// evidenceOf decodes an audit entry's evidence.
func evidenceOf(t *testing.T, e *ent.AuditEntry) map[string]any {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(e.Evidence, &ev); err != nil {
		t.Fatalf("evidence of %q: %v", e.Decision, err)
	}
	return ev
}

// modelMetrics returns the deployed model's held-out metrics.
func modelMetrics(t *testing.T, e *pipelinetest.Env, p *ent.Project) (*ent.Model, *trainyardv1.Metrics) {
	t.Helper()
	if p.ModelID == nil {
		t.Fatalf("project %s has no model", p.ID)
	}
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	var metrics trainyardv1.Metrics
	if err := protojson.Unmarshal(m.Metrics, &metrics); err != nil {
		t.Fatal(err)
	}
	return m, &metrics
}

// accuracyOn scores the deployed model on the rows of the file at path where keep is true,
// against the true labels.
func accuracyOn(t *testing.T, e *pipelinetest.Env, m *ent.Model, path string, truth []string, keep func(i int) bool) (float64, int) {
	t.Helper()
	ctx := context.Background()
	r, err := e.Blobs.Open(ctx, m.ArtifactKey)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	art, err := mlmodel.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := mlmodel.NewPredictor(art)
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := frame.Read(ctx, fh, frame.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pr.PredictFrame(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	ok, n := 0, 0
	for i := range truth {
		if !keep(i) || b.Class[i] < 0 {
			continue
		}
		n++
		if art.Classes[b.Class[i]] == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(max(1, n)), n
}

// TestPartlyLabeledTitanic: titanic with its label removed from all but 50 rows goes through
// the API to COMPLETED. LABELING pseudo-labels rows by self-training or propagation (recorded
// with the pseudo-label share and confidence, alternatives and evidence), tests on real labels
// only, and the deployed model is checked against the true labels of the 841 hidden rows.
func TestPartlyLabeledTitanic(t *testing.T) {
	t.Parallel()
	a := startAPI(t, pipelinetest.Config{})
	path, truth := hideLabels(t, "titanic.csv", "Survived", 50, 3)
	ds := uploadPath(t, a.Env, path)
	p := a.create(t, ds, "predict whether a passenger survived", "Survived")
	p = a.waitAPI(t, p.GetName(), 150*time.Second, store.StageCompleted)
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.GetCurrentStage(), p.GetError().GetMessage())
	}
	proj, err := a.Store.GetProject(sys, mustUUID(t, p.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	es := audit(t, a.Env, proj.ID)
	var result map[string]any
	for _, d := range labelingDecisions(es) {
		ev := evidenceOf(t, d)
		if _, ok := ev["pseudo_share"]; ok {
			result = ev
			if len(d.Alternatives) < 3 || d.Reasoning == "" {
				t.Errorf("pseudo-labeling decision %q has %d alternatives, reasoning %q", d.Decision, len(d.Alternatives), d.Reasoning)
			}
			t.Logf("decision: %s\nreasoning: %s\nevidence: %s", d.Decision, d.Reasoning, d.Evidence)
		}
	}
	if result == nil {
		t.Fatalf("no labeling decision records the pseudo-label share; decisions: %v", decisionTexts(labelingDecisions(es)))
	}
	share, _ := result["pseudo_share"].(float64)
	conf, _ := result["mean_confidence"].(float64)
	if share <= 0.3 || conf < 0.8 {
		t.Errorf("pseudo_share = %v, mean_confidence = %v; want most training labels pseudo and confidence >= the 0.8 cut", share, conf)
	}
	m, metrics := modelMetrics(t, a.Env, proj)
	var dsState struct {
		Test []int `json:"test"`
	}
	if err := getState(a.Env, proj, "data.json", &dsState); err != nil {
		t.Fatal(err)
	}
	hidden := map[int]bool{}
	for i := range truth {
		hidden[i] = true
	}
	given := givenRows(t, path, "Survived")
	for _, i := range given {
		delete(hidden, i)
	}
	for _, i := range dsState.Test {
		if hidden[i] {
			t.Errorf("test row %d had no label in the uploaded data", i)
		}
	}
	acc, n := accuracyOn(t, a.Env, m, path, truth, func(i int) bool { return hidden[i] })
	t.Logf("held-out metrics %v; accuracy on the %d hidden rows %.3f", metrics.GetValues(), n, acc)
	if n != len(truth)-50 || acc < 0.72 {
		t.Errorf("accuracy on the %d hidden rows = %.3f, want at least 0.72 on %d", n, acc, len(truth)-50)
	}
	if v := metrics.GetValues()["accuracy"]; v < 0.6 {
		t.Errorf("held-out accuracy = %v, want a sensible value", v)
	}
}
