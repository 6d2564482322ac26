package pipeline_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/reasonertest"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	mlmodel "github.com/trainyard/trainyard/ml/model"
)

func durationSeconds(s int) *durationpb.Duration {
	return durationpb.New(time.Duration(s) * time.Second)
}

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

// modelReport is the report stored with model m.
func modelReport(t *testing.T, m *ent.Model) *trainyardv1.ModelReport {
	t.Helper()
	var rep trainyardv1.ModelReport
	if err := protojson.Unmarshal(m.Report, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
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
	inTest := map[int]bool{}
	for _, i := range dsState.Test {
		inTest[i] = true
	}
	testAcc, _ := accuracyOn(t, a.Env, m, path, truth, func(i int) bool { return inTest[i] })
	t.Logf("held-out metrics %v (deployed model on the test rows: %.3f); accuracy on the %d hidden rows %.3f", metrics.GetValues(), testAcc, n, acc)
	if n != len(truth)-50 || acc < 0.72 {
		t.Errorf("accuracy on the %d hidden rows = %.3f, want at least 0.72 on %d", n, acc, len(truth)-50)
	}
	// The pipeline's own held-out figures rest on the real labels it held out (20 rows here,
	// so they are noisy; the 841 hidden labels above are the firm check).
	if metrics.GetTestRows() != int64(len(dsState.Test)) || len(dsState.Test) < 15 {
		t.Errorf("held-out metrics on %d rows, want them on the %d real-labeled test rows (at least 15)", metrics.GetTestRows(), len(dsState.Test))
	}
}

// TestUnlabeledRulesAsksTheOwner: titanic without a single label and only the rules reasoner stops
// in AWAITING_APPROVAL with a labeling task (clusters with sizes, feature ranges and example
// rows, in the API and its REST JSON). The owner names the clusters by what they see (the
// share of women in each) through ApproveProject, and the project completes on those names.
func TestUnlabeledRulesAsksTheOwner(t *testing.T) {
	t.Parallel()
	a := startAPI(t, pipelinetest.Config{})
	path, truth := hideLabels(t, "titanic.csv", "Survived", 0, 3)
	ds := uploadPath(t, a.Env, path)
	p := a.create(t, ds, "predict whether a passenger survived", "Survived")
	p = a.waitAPI(t, p.GetName(), 60*time.Second, store.StageAwaitingApproval)
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_AWAITING_APPROVAL {
		t.Fatalf("stage = %s (%s), want AWAITING_APPROVAL", p.GetCurrentStage(), p.GetError().GetMessage())
	}
	task := p.GetLabelingTask()
	if task.GetState() != trainyardv1.LabelingTaskState_LABELING_TASK_STATE_OPEN || len(task.GetClusters()) < 2 || task.GetTotalRows() != int64(len(truth)) {
		t.Fatalf("labeling task = %v, want an open task with clusters over %d rows", task, len(truth))
	}
	for _, c := range task.GetClusters() {
		if c.GetSize() == 0 || len(c.GetFeatureRanges()) == 0 || len(c.GetExamples()) == 0 || c.GetFeatureRanges()[0].GetDescription() == "" {
			t.Errorf("cluster %d = %v, want a size, described feature ranges and examples", c.GetId(), c)
		}
		t.Logf("cluster %d: %d rows; %v", c.GetId(), c.GetSize(), c.GetFeatureRanges())
	}
	rest := a.restJSON(t, "/api/v1/"+p.GetName())
	lt, _ := rest["labelingTask"].(map[string]any)
	if cl, _ := lt["clusters"].([]any); len(cl) != len(task.GetClusters()) {
		t.Errorf("REST labelingTask = %v, want its %d clusters", lt, len(task.GetClusters()))
	}
	// The owner names each cluster by the share of women in it, as read from the task.
	names := map[int32]string{}
	women := func(rows []*trainyardv1.LabelingRow) float64 {
		n := 0.0
		for _, r := range rows {
			if r.GetValues()["Sex"] == "female" {
				n++
			}
		}
		return n / float64(max(1, len(rows)))
	}
	for _, c := range task.GetClusters() {
		names[c.GetId()] = "0"
		if women(c.GetExamples()) > 0.5 {
			names[c.GetId()] = "1"
		}
	}
	for _, bad := range []*trainyardv1.ApproveProjectRequest{
		{Name: p.GetName(), ClusterLabels: map[int32]string{99: "1"}},
		{Name: p.GetName(), ClusterLabels: map[int32]string{task.GetClusters()[0].GetId(): "1"}},
		{Name: p.GetName(), RowLabels: map[int64]string{int64(len(truth)): "1"}},
		{Name: p.GetName()},
	} {
		if _, err := a.projects.ApproveProject(context.Background(), bad); err == nil {
			t.Errorf("ApproveProject(%v) succeeded, want it refused (unknown cluster, a single class, unknown row, no labels)", bad)
		}
	}
	if _, err := a.projects.ApproveProject(context.Background(), &trainyardv1.ApproveProjectRequest{Name: p.GetName(), ClusterLabels: names}); err != nil {
		t.Fatalf("ApproveProject(%v) = %v", names, err)
	}
	a.Worker.Wake()
	p = a.waitAPI(t, p.GetName(), 120*time.Second, store.StageCompleted)
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.GetCurrentStage(), p.GetError().GetMessage())
	}
	if got := p.GetLabelingTask(); got.GetState() != trainyardv1.LabelingTaskState_LABELING_TASK_STATE_ANSWERED || len(got.GetClusterLabels()) != len(names) {
		t.Errorf("labeling task after approval = %v, want ANSWERED with the names", got)
	}
	proj, err := a.Store.GetProject(sys, mustUUID(t, p.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	m, metrics := modelMetrics(t, a.Env, proj)
	acc, n := accuracyOn(t, a.Env, m, path, truth, func(int) bool { return true })
	t.Logf("names %v; held-out metrics %v; accuracy on all %d true labels %.3f", names, metrics.GetValues(), n, acc)
	if acc < 0.65 {
		t.Errorf("accuracy on the true labels = %.3f, want the named clusters to carry signal (>= 0.65)", acc)
	}
	// Every test label comes from the owner's cluster names: the report says so.
	if w := strings.Join(modelReport(t, m).GetWarnings(), " | "); !strings.Contains(w, "only 0 of the") || !strings.Contains(w, "agreement with those labels") {
		t.Errorf("report warnings %q, want one saying no test row carries a real label", w)
	}
	var applied bool
	for _, d := range labelingDecisions(audit(t, a.Env, proj.ID)) {
		applied = applied || strings.Contains(d.Decision, "apply the owner's labels")
	}
	if !applied {
		t.Errorf("no decision records the owner's labels")
	}
}

// TestOwnerLabelsSampleRows: the owner answers the labeling task row by row (the sample rows
// it offers, with their true labels); those count as real labels, so the project goes on by
// self-training and completes, testing on real labels only.
func TestOwnerLabelsSampleRows(t *testing.T) {
	t.Parallel()
	a := startAPI(t, pipelinetest.Config{})
	path, truth := hideLabels(t, "titanic.csv", "Survived", 8, 4)
	ds := uploadPath(t, a.Env, path)
	p := a.create(t, ds, "predict whether a passenger survived", "Survived")
	p = a.waitAPI(t, p.GetName(), 60*time.Second, store.StageAwaitingApproval)
	sample := p.GetLabelingTask().GetSampleRows()
	if len(sample) < 20 {
		t.Fatalf("labeling task offers %d sample rows, want enough to self-train on (20)", len(sample))
	}
	rows := map[int64]string{}
	for _, r := range sample {
		rows[r.GetRow()] = truth[r.GetRow()]
	}
	if _, err := a.projects.ApproveProject(context.Background(), &trainyardv1.ApproveProjectRequest{Name: p.GetName(), RowLabels: rows}); err != nil {
		t.Fatalf("ApproveProject(row labels) = %v", err)
	}
	a.Worker.Wake()
	p = a.waitAPI(t, p.GetName(), 120*time.Second, store.StageCompleted)
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.GetCurrentStage(), p.GetError().GetMessage())
	}
	proj, err := a.Store.GetProject(sys, mustUUID(t, p.GetId()))
	if err != nil {
		t.Fatal(err)
	}
	var chosen string
	for _, d := range labelingDecisions(audit(t, a.Env, proj.ID)) {
		if strings.HasPrefix(d.Decision, "complete the labels by") {
			chosen = d.Decision
		}
	}
	if chosen != "complete the labels by self-training" {
		t.Errorf("last strategy = %q, want self-training from the owner's row labels", chosen)
	}
	var st struct {
		Test []int `json:"test"`
	}
	if err := getState(a.Env, proj, "data.json", &st); err != nil {
		t.Fatal(err)
	}
	real := map[int]bool{}
	for _, i := range givenRows(t, path, "Survived") {
		real[i] = true
	}
	for r := range rows {
		real[int(r)] = true
	}
	for _, i := range st.Test {
		if !real[i] {
			t.Errorf("test row %d has neither a given label nor one from the owner", i)
		}
	}
	m, _ := modelMetrics(t, a.Env, proj)
	if w := strings.Join(modelReport(t, m).GetWarnings(), " | "); strings.Contains(w, "agreement with those labels") {
		t.Errorf("report warnings %q, want no warning of made test labels on a test set of real labels", w)
	}
	acc, n := accuracyOn(t, a.Env, m, path, truth, func(i int) bool { return !real[i] })
	t.Logf("%d rows labeled by the owner; accuracy on the %d other rows %.3f", len(rows), n, acc)
	if acc < 0.7 {
		t.Errorf("accuracy on the rows nobody labeled = %.3f, want at least 0.7", acc)
	}
}

// TestFailingModelLeavesLabelsToTheOwner: a model reasoner that cannot be reached labels
// nothing; the project asks the owner instead of inventing labels, and says why, with asking the
// owner first among the alternatives.
func TestFailingModelLeavesLabelsToTheOwner(t *testing.T) {
	t.Parallel()
	fake := &reasonertest.LLM{Behavior: reasonertest.Fail}
	a := startAPI(t, pipelinetest.Config{Reasoner: reasoner.NewGuard(fake)})
	path, _ := hideLabels(t, "titanic.csv", "Survived", 10, 6)
	p := a.create(t, uploadPath(t, a.Env, path), "predict whether a passenger survived", "Survived")
	p = a.waitAPI(t, p.GetName(), 60*time.Second, store.StageAwaitingApproval)
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_AWAITING_APPROVAL || p.GetLabelingTask().GetState() != trainyardv1.LabelingTaskState_LABELING_TASK_STATE_OPEN {
		t.Fatalf("stage = %s (%s), task %v; want AWAITING_APPROVAL with an open labeling task", p.GetCurrentStage(), p.GetError().GetMessage(), p.GetLabelingTask().GetState())
	}
	var refused bool
	for _, d := range labelingDecisions(audit(t, a.Env, mustUUID(t, p.GetId()))) {
		if !strings.HasPrefix(d.Decision, "do not use the language model's labels") {
			continue
		}
		refused = true
		var alts []decision.Alternative
		if err := json.Unmarshal(d.Alternatives, &alts); err != nil || len(alts) == 0 || alts[0].Option != "ask the owner" || d.Confidence <= 0 {
			t.Errorf("refusal alternatives %s (%v), confidence %v; want asking the owner first, with a confidence above 0", d.Alternatives, err, d.Confidence)
		}
	}
	if !refused || fake.Calls() == 0 {
		t.Errorf("no decision refuses the failing model's labels (model asked %d times)", fake.Calls())
	}
	if !strings.Contains(p.GetLabelingTask().GetInstructions(), "language model") {
		t.Errorf("instructions %q do not say the model could not label", p.GetLabelingTask().GetInstructions())
	}
}
