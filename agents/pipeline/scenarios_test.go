package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/ent/progressevent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	mlmodel "github.com/trainyard/trainyard/ml/model"
)

var sys = store.SystemContext(context.Background())

// decisionsOf returns the audit entries of a type.
func decisionsOf(es []*ent.AuditEntry, typ string) []*ent.AuditEntry {
	var out []*ent.AuditEntry
	for _, e := range es {
		if e.DecisionType == typ {
			out = append(out, e)
		}
	}
	return out
}

// analysisOf decodes a project's analysis.
func analysisOf(t *testing.T, p *ent.Project) *trainyardv1.ProblemAnalysis {
	t.Helper()
	var pa trainyardv1.ProblemAnalysis
	if err := protojson.Unmarshal(p.Analysis, &pa); err != nil {
		t.Fatalf("analysis %s: %v", p.Analysis, err)
	}
	return &pa
}

// planOf decodes a project's plan.
func planOf(t *testing.T, p *ent.Project) *trainyardv1.TrainingPlan {
	t.Helper()
	var pl trainyardv1.TrainingPlan
	if err := protojson.Unmarshal(p.Plan, &pl); err != nil {
		t.Fatalf("plan %s: %v", p.Plan, err)
	}
	return &pl
}

func TestTitanicDropsIdentifiers(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "titanic.csv"), Description: "predict who survived", RequiresApproval: true})
	p = wait(t, e, p.ID, 60*time.Second, store.StageAwaitingApproval)
	if p.Stage != store.StageAwaitingApproval {
		t.Fatalf("stage = %s (%s), want AWAITING_APPROVAL", p.Stage, p.ErrorMessage)
	}
	dropped := map[string]string{}
	for _, d := range planOf(t, p).GetDroppedColumns() {
		dropped[d.Column] = d.Reason
	}
	drops := decisionsOf(audit(t, e, p.ID), "drop_column")
	for _, col := range []string{"PassengerId", "Name", "Ticket"} {
		if dropped[col] == "" {
			t.Errorf("plan drops %v, want %s dropped with a reason", dropped, col)
		}
		found := false
		for _, d := range drops {
			if strings.Contains(d.Decision, col) && d.Reasoning != "" && len(d.Alternatives) > 0 && len(d.Evidence) > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("no recorded drop decision with reasoning, alternatives and evidence for %s", col)
		}
	}
	for _, col := range []string{"Sex", "Age", "Pclass", "Fare"} {
		if _, ok := dropped[col]; ok {
			t.Errorf("plan drops the useful column %s (%s)", col, dropped[col])
		}
	}
}

func TestCaliforniaIsRegression(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "california_housing.csv"), Description: "predict the median house value of a district", RequiresApproval: true})
	p = wait(t, e, p.ID, 60*time.Second, store.StageAwaitingApproval)
	if p.Stage != store.StageAwaitingApproval {
		t.Fatalf("stage = %s (%s), want AWAITING_APPROVAL", p.Stage, p.ErrorMessage)
	}
	if got := analysisOf(t, p).GetProblemType(); got != trainyardv1.ProblemType_PROBLEM_TYPE_REGRESSION {
		t.Errorf("problem type = %s, want REGRESSION", got)
	}
	if got := planOf(t, p).GetMetric(); got != "rmse" && got != "mae" && got != "r2" {
		t.Errorf("plan metric = %q, want a regression metric", got)
	}
}

func TestNoTargetFailsWithSuggestions(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "california_housing.csv"), Description: "help me with this data"})
	p = wait(t, e, p.ID, 30*time.Second)
	if p.Stage != store.StageFailed {
		t.Fatalf("stage = %s, want FAILED", p.Stage)
	}
	if !strings.Contains(p.ErrorMessage, "median_house_value") || !strings.Contains(p.ErrorMessage, "Try:") {
		t.Errorf("error message = %q, want the candidate columns and an example phrasing", p.ErrorMessage)
	}
	if len(p.Suggestions) == 0 {
		t.Errorf("no suggestions")
	}
}

// approve does what ApproveProject does: record the decision and move to TRAINING with a
// changed plan, in one transaction.
func approve(t *testing.T, e *pipelinetest.Env, p *ent.Project, families []string, budget time.Duration) {
	t.Helper()
	plan := planOf(t, p)
	plan.ModelFamilies = families
	plan.Budget = durationpb.New(budget)
	raw, err := protojson.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	secs := int64(budget.Seconds())
	err = e.Store.InTx(sys, func(tx *store.Tx) error {
		if _, err := tx.AppendAudit(sys, p.ID, store.NewAuditEntry{Stage: p.Stage, DecisionType: "APPROVAL", Decision: "plan approved with changes", Reasoning: "test", Confidence: 1, Reasoner: "user"}); err != nil {
			return err
		}
		_, err := tx.Transition(sys, p.ID, []store.Stage{store.StageAwaitingApproval}, store.StageTraining, "approved", &store.ProjectChanges{Plan: raw, BudgetSeconds: &secs})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Worker.Wake()
}

func TestApprovalChangesThePlan(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "penguins.csv"), Description: "predict the species of a penguin", RequiresApproval: true})
	p = wait(t, e, p.ID, 60*time.Second, store.StageAwaitingApproval)
	if p.Stage != store.StageAwaitingApproval {
		t.Fatalf("stage = %s (%s), want AWAITING_APPROVAL", p.Stage, p.ErrorMessage)
	}
	if fams := planOf(t, p).GetModelFamilies(); len(fams) < 2 {
		t.Fatalf("proposed families = %v, want a choice to narrow", fams)
	}
	approve(t, e, p, []string{"linear"}, 2*time.Second)
	p = wait(t, e, p.ID, 60*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Learner != "linear" {
		t.Errorf("model learner = %q, want linear (the approved family)", m.Learner)
	}
	var rep trainyardv1.ModelReport
	if err := protojson.Unmarshal(m.Report, &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.GetCandidates() {
		if c.GetLearner() != "linear" {
			t.Errorf("candidate %s %s tried, want only linear candidates", c.GetLearner(), c.GetParams())
		}
	}
	var budget float64
	for _, d := range decisionsOf(audit(t, e, p.ID), "model_choice") {
		var ev map[string]any
		_ = json.Unmarshal(d.Evidence, &ev)
		if b, ok := ev["budget_seconds"].(float64); ok {
			budget = b
		}
	}
	if budget != 2 {
		t.Errorf("training budget = %vs, want the approved 2s", budget)
	}
}

func TestCancelDuringTraining(t *testing.T) {
	t.Parallel()
	// On the clock: the search must still be running, for its budget, when the cancel comes.
	e := startEnv(t, pipelinetest.Config{Trials: -1})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "telco_churn.csv"), Description: "predict which customers will churn", BudgetSeconds: 60})
	p = wait(t, e, p.ID, 60*time.Second, store.StageTraining)
	if p.Stage != store.StageTraining {
		t.Fatalf("stage = %s, want TRAINING", p.Stage)
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if _, err := e.Store.CancelProject(sys, p.ID); err != nil {
		t.Fatal(err)
	}
	// The worker notices at once and gives the project up.
	for {
		cur, err := e.Store.GetProject(sys, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Stage != store.StageCancelled {
			t.Fatalf("stage = %s after cancel", cur.Stage)
		}
		if e.Worker.Handled() > 0 && cur.LeaseOwner == "" && idle(e) {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("worker still busy %s after the cancel", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("stopped %s after the cancel", time.Since(start))
	n, err := e.Store.Client().Model.Query().Where(model.ProjectID(p.ID)).Count(sys)
	if err != nil || n != 0 {
		t.Errorf("models = %d, %v; want none", n, err)
	}
}

// idle reports whether the worker runs nothing.
func idle(e *pipelinetest.Env) bool { return e.Worker.Running() == 0 }

func TestDuplicateTriggersAreHarmless(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "iris.csv"), Description: "predict the species", BudgetSeconds: 2})
	// Flood the queue with triggers for every stage while the project runs.
	id := p.ID
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		stages := []store.Stage{store.StageAnalyzing, store.StageDataProcessing, store.StageModelSelection, store.StageTraining, store.StageEvaluation, store.StageDeployment}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			b, _ := json.Marshal(store.ProjectTrigger{ProjectID: id, Stage: stages[i%len(stages)]})
			_ = e.Queue.Publish(context.Background(), e.Store.TriggerTopic(), b, nil)
		}
	}()
	p = wait(t, e, p.ID, 60*time.Second)
	close(stop)
	<-done
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	time.Sleep(300 * time.Millisecond)
	n, err := e.Store.Client().Model.Query().Where(model.ProjectID(p.ID)).Count(sys)
	if err != nil || n != 1 {
		t.Errorf("models = %d, %v; want exactly 1", n, err)
	}
	evs, err := e.Store.Client().ProgressEvent.Query().Where(progressevent.ProjectID(p.ID), progressevent.KindIn(store.EventStageChanged, store.EventTerminal)).All(sys)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[store.Stage]int{}
	for _, ev := range evs {
		seen[ev.Stage]++
	}
	for st, n := range seen {
		if n != 1 {
			t.Errorf("entered %s %d times, want once", st, n)
		}
	}
	if got := len(decisionsOf(audit(t, e, p.ID), "deployment")); got != 1 {
		t.Errorf("deployment decisions = %d, want 1", got)
	}
}

func TestUnreachableCriteria(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	p := submit(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "telco_churn.csv"), Description: "predict churn with 99% recall and 99% precision", BudgetSeconds: 20})
	p = wait(t, e, p.ID, 90*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	pa := analysisOf(t, p)
	if len(pa.GetSuccessCriteria()) != 2 {
		t.Fatalf("criteria = %v, want recall and precision", pa.GetSuccessCriteria())
	}
	for _, c := range pa.GetSuccessCriteria() {
		// The threshold buys the recall; the precision that goes with it is out of reach.
		if c.Met == nil || (c.GetMetric() == "precision" && c.GetMet()) {
			t.Errorf("criterion %s met = %v, want false", c.GetMetric(), c.GetMet())
		}
		if c.Achieved == nil {
			t.Errorf("criterion %s has no achieved value", c.GetMetric())
		}
	}
	its := decisionsOf(audit(t, e, p.ID), "iteration")
	if len(its) == 0 || !strings.Contains(its[len(its)-1].Decision, "no threshold meets both") {
		t.Errorf("last iteration decision = %v, want it to say why the criteria cannot be met", its)
	}
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	var rep trainyardv1.ModelReport
	if err := protojson.Unmarshal(m.Report, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.GetWarnings(), " "), "not met") {
		t.Errorf("report warnings %q do not say the criteria are not met", rep.GetWarnings())
	}
	// The deployed model still labels by the threshold that buys the recall.
	r, err := e.Blobs.Open(context.Background(), m.ArtifactKey)
	if err != nil {
		t.Fatal(err)
	}
	art, err := mlmodel.Load(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !(art.Threshold > 0 && art.Threshold < 0.5) {
		t.Errorf("deployed threshold = %v, want the recall-buying threshold below 0.5", art.Threshold)
	}
}

var _ = uuid.Nil
