package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestProjectCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p, err := s.CreateProject(f.ctxA, NewProject{
			DatasetID: f.dsA.ID, DisplayName: "Churn", ProblemDescription: "predict which customers will churn",
			RequiresApproval: true, BudgetSeconds: 60,
		})
		if err != nil {
			t.Fatalf("CreateProject = %v", err)
		}
		if p.OwnerID != f.a.ID || p.Stage != StageAnalyzing || p.DataType != DataTypeTabular || !p.RequiresApproval || p.NextSequence != 1 {
			t.Errorf("CreateProject = %+v, want owner A, ANALYZING, TABULAR, approval, one event", p)
		}
		got, err := s.GetProject(f.ctxA, p.ID)
		if err != nil {
			t.Fatalf("GetProject = %v", err)
		}
		if diff := cmp.Diff(p, got, cmpEnt); diff != "" {
			t.Errorf("GetProject differs from CreateProject (-create +get):\n%s", diff)
		}

		analysis := json.RawMessage(`{"problem_type":"BINARY_CLASSIFICATION","target":"Churn"}`)
		it := 2
		up, err := s.UpdateProject(SystemContext(context.Background()), p.ID, ProjectChanges{Analysis: analysis, Iteration: &it})
		if err != nil {
			t.Fatalf("UpdateProject = %v", err)
		}
		var a map[string]string
		if err := json.Unmarshal(up.Analysis, &a); err != nil || a["target"] != "Churn" || up.Iteration != 2 {
			t.Errorf("UpdateProject = analysis %s iteration %d, want target Churn, 2", up.Analysis, up.Iteration)
		}

		ds, err := s.GetDataset(f.ctxA, f.dsA.ID)
		if err != nil {
			t.Fatalf("GetDataset = %v", err)
		}
		if diff := cmp.Diff(f.dsA.Files, ds.Files); diff != "" {
			t.Errorf("dataset files round trip (-want +got):\n%s", diff)
		}
	})
}

// cmpEnt compares ent entities by their fields, not their internal bookkeeping.
var cmpEnt = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool {
		if sf, ok := p.Last().(cmp.StructField); ok {
			return sf.Name() == "config" || sf.Name() == "selectValues" || sf.Name() == "Edges"
		}
		return false
	}, cmp.Ignore()),
}

func TestCreateProjectIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		in := NewProject{DatasetID: f.dsA.ID, ProblemDescription: "predict churn", RequestID: "req-1"}
		p1, err := s.CreateProject(f.ctxA, in)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := s.CreateProject(f.ctxA, in)
		if err != nil {
			t.Fatal(err)
		}
		if p1.ID != p2.ID {
			t.Errorf("CreateProject twice with request_id = %s then %s, want the same project", p1.ID, p2.ID)
		}
		// Another owner may use the same request id.
		dsB := f.dataset(t, f.ctxB, "b.csv")
		pB, err := s.CreateProject(f.ctxB, NewProject{DatasetID: dsB.ID, ProblemDescription: "x", RequestID: "req-1"})
		if err != nil || pB.ID == p1.ID {
			t.Errorf("CreateProject(B, same request id) = %v, %v, want a new project", pB, err)
		}
		msgs, err := s.PendingOutbox(f.sys, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 {
			t.Errorf("outbox has %d messages after a repeated create and one other, want 2", len(msgs))
		}
		evs, err := s.ListProgress(f.ctxA, p1.ID, 0, 0)
		if err != nil || len(evs) != 1 {
			t.Errorf("ListProgress after repeated create = %d events, %v, want 1", len(evs), err)
		}
	})
}

func TestListProjectsPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		var want []uuid.UUID
		for i := range 7 {
			p := f.project(t, f.ctxA, f.dsA.ID, fmt.Sprintf("project %d about churn", i))
			want = append([]uuid.UUID{p.ID}, want...) // newest first
		}
		f.project(t, f.ctxB, f.dataset(t, f.ctxB, "b.csv").ID, "B's project about churn")

		var got []uuid.UUID
		token := ""
		for pages := 0; ; pages++ {
			ps, next, err := s.ListProjects(f.ctxA, ProjectFilter{}, PageRequest{Size: 3, Token: token})
			if err != nil {
				t.Fatalf("ListProjects(page %d) = %v", pages, err)
			}
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if pages == 0 {
				// Projects created while paging do not shift the pages.
				f.project(t, f.ctxA, f.dsA.ID, "created while paging")
			}
			if next == "" {
				break
			}
			token = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListProjects pages (-want +got):\n%s", diff)
		}

		ps, _, err := s.ListProjects(f.ctxA, ProjectFilter{Search: "PROJECT 3"}, PageRequest{})
		if err != nil || len(ps) != 1 || ps[0].ID != want[3] {
			t.Errorf("ListProjects(search) = %d projects, %v, want project 3", len(ps), err)
		}
		if _, err := s.Transition(f.sys, want[0], nil, StageFailed, "boom", nil); err != nil {
			t.Fatal(err)
		}
		ps, _, err = s.ListProjects(f.ctxA, ProjectFilter{Stages: []Stage{StageFailed}}, PageRequest{})
		if err != nil || len(ps) != 1 || ps[0].ID != want[0] {
			t.Errorf("ListProjects(stage FAILED) = %d projects, %v, want 1", len(ps), err)
		}
		_, _, err = s.ListProjects(f.ctxA, ProjectFilter{Search: "other"}, PageRequest{Token: token})
		wantErr(t, "ListProjects(token of another filter)", err, ErrInvalidArgument)
		_, _, err = s.ListProjects(f.ctxA, ProjectFilter{}, PageRequest{Token: "garbage!"})
		wantErr(t, "ListProjects(garbage token)", err, ErrInvalidArgument)

		all, _, err := s.ListProjects(f.ctxAdmin, ProjectFilter{}, PageRequest{Size: 100})
		if err != nil || len(all) != 9 {
			t.Errorf("ListProjects(admin) = %d projects, %v, want all 9", len(all), err)
		}
	})
}

func TestOwnerIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "A's project")

		_, err := s.GetProject(f.ctxB, p.ID)
		wantErr(t, "GetProject(B, A's project)", err, ErrNotFound)
		_, err = s.GetDataset(f.ctxB, f.dsA.ID)
		wantErr(t, "GetDataset(B, A's dataset)", err, ErrNotFound)
		_, err = s.ListProgress(f.ctxB, p.ID, 0, 0)
		wantErr(t, "ListProgress(B, A's project)", err, ErrNotFound)
		_, _, err = s.ListAuditEntries(f.ctxB, p.ID, PageRequest{})
		wantErr(t, "ListAuditEntries(B, A's project)", err, ErrNotFound)
		_, err = s.CancelProject(f.ctxB, p.ID)
		wantErr(t, "CancelProject(B, A's project)", err, ErrNotFound)
		_, err = s.CreateProject(f.ctxB, NewProject{DatasetID: f.dsA.ID, ProblemDescription: "steal A's data"})
		wantErr(t, "CreateProject(B, A's dataset)", err, ErrNotFound)
		if ps, _, err := s.ListProjects(f.ctxB, ProjectFilter{}, PageRequest{}); err != nil || len(ps) != 0 {
			t.Errorf("ListProjects(B) = %d projects, %v, want none", len(ps), err)
		}
		if ds, _, err := s.ListDatasets(f.ctxB, PageRequest{}); err != nil || len(ds) != 0 {
			t.Errorf("ListDatasets(B) = %d datasets, %v, want none", len(ds), err)
		}
		// The admin sees and may cancel it.
		if _, err := s.GetProject(f.ctxAdmin, p.ID); err != nil {
			t.Errorf("GetProject(admin) = %v", err)
		}
		if _, err := s.CancelProject(f.ctxAdmin, p.ID); err != nil {
			t.Errorf("CancelProject(admin) = %v", err)
		}
		// No viewer at all: denied, not "not found".
		_, err = s.GetProject(context.Background(), p.ID)
		wantErr(t, "GetProject(no viewer)", err, ErrPermissionDenied)
		_, _, err = s.ListProjects(context.Background(), ProjectFilter{}, PageRequest{})
		wantErr(t, "ListProjects(no viewer)", err, ErrPermissionDenied)
	})
}

func TestViewerCannotWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "A's project")
		if _, err := s.GetProject(f.ctxView, p.ID); err != nil {
			t.Fatalf("GetProject(viewer) = %v", err)
		}
		_, err := s.CreateProject(f.ctxView, NewProject{DatasetID: f.dsA.ID, ProblemDescription: "x"})
		wantErr(t, "CreateProject(viewer)", err, ErrPermissionDenied)
		_, err = s.CancelProject(f.ctxView, p.ID)
		wantErr(t, "CancelProject(viewer)", err, ErrPermissionDenied)
		_, err = s.CreateDataset(f.ctxView, NewDataset{DataType: DataTypeText})
		wantErr(t, "CreateDataset(viewer)", err, ErrPermissionDenied)
		_, err = s.UpdateProject(f.ctxView, p.ID, ProjectChanges{DisplayName: ptr("renamed")})
		wantErr(t, "UpdateProject(viewer)", err, ErrPermissionDenied)
		// Members cannot write progress or decisions: only workers do.
		_, err = s.AppendProgress(f.ctxA, p.ID, NewProgress{Kind: EventLog, Message: "forged"})
		wantErr(t, "AppendProgress(member)", err, ErrPermissionDenied)
		_, err = s.PendingOutbox(f.ctxAdmin, 10)
		wantErr(t, "PendingOutbox(admin)", err, ErrPermissionDenied)
		noRole := WithViewer(context.Background(), Viewer{UserID: f.a.ID})
		_, err = s.CancelProject(noRole, p.ID)
		wantErr(t, "CancelProject(viewer without a role)", err, ErrPermissionDenied)
		got, _ := s.GetProject(f.ctxA, p.ID)
		if got.Stage != StageAnalyzing || got.DisplayName != "" {
			t.Errorf("project after denied writes = %s %q, want unchanged", got.Stage, got.DisplayName)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestActiveProjectLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		in := NewProject{DatasetID: f.dsA.ID, ProblemDescription: "x", MaxActive: 2}
		p1, err := s.CreateProject(f.ctxA, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateProject(f.ctxA, in); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateProject(f.ctxA, in)
		wantErr(t, "CreateProject(third of 2)", err, ErrFailedPrecondition)
		// A project awaiting approval does not count.
		if _, err := s.Transition(f.sys, p1.ID, []Stage{StageAnalyzing}, StageAwaitingApproval, "plan ready", nil); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountActiveProjects(f.ctxA, f.a.ID); err != nil || n != 1 {
			t.Errorf("CountActiveProjects = %d, %v, want 1", n, err)
		}
		if _, err := s.CreateProject(f.ctxA, in); err != nil {
			t.Errorf("CreateProject with one awaiting approval = %v, want success", err)
		}
		// B has its own quota.
		dsB := f.dataset(t, f.ctxB, "b.csv")
		if _, err := s.CreateProject(f.ctxB, NewProject{DatasetID: dsB.ID, ProblemDescription: "x", MaxActive: 2}); err != nil {
			t.Errorf("CreateProject(B) = %v", err)
		}
	})
}

func TestOutboxWrittenWithProject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		msgs, err := s.PendingOutbox(f.sys, 10)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("PendingOutbox = %d, %v, want 1", len(msgs), err)
		}
		var trig ProjectTrigger
		if err := json.Unmarshal(msgs[0].Payload, &trig); err != nil {
			t.Fatal(err)
		}
		if want := (ProjectTrigger{ProjectID: p.ID, Stage: StageAnalyzing}); trig != want || msgs[0].Topic != s.TriggerTopic() {
			t.Errorf("outbox = %s %+v, want %s %+v", msgs[0].Topic, trig, s.TriggerTopic(), want)
		}
		// A create that fails writes neither the project nor a message.
		_, err = s.CreateProject(f.ctxA, NewProject{DatasetID: f.dsA.ID, ProblemDescription: "x", MaxActive: 1})
		wantErr(t, "CreateProject(over limit)", err, ErrFailedPrecondition)
		// A failure after the project row was written rolls it back with the message.
		err = s.InTx(f.ctxA, func(tx *Tx) error {
			if _, err := tx.Client().Project.Create().SetOwnerID(f.a.ID).SetDatasetID(f.dsA.ID).
				SetProblemDescription("rolled back").SetDataType(DataTypeText).Save(f.ctxA); err != nil {
				return err
			}
			if _, err := tx.Enqueue(f.ctxA, Message{Topic: "t", Payload: []byte("x")}); err != nil {
				return err
			}
			return fmt.Errorf("boom")
		})
		if err == nil {
			t.Fatal("InTx returning an error = nil")
		}
		ps, _, _ := s.ListProjects(f.ctxA, ProjectFilter{}, PageRequest{})
		msgs, _ = s.PendingOutbox(f.sys, 10)
		if len(ps) != 1 || len(msgs) != 1 {
			t.Errorf("after failed creates: %d projects, %d messages, want 1 and 1", len(ps), len(msgs))
		}
		if err := s.MarkPublished(f.sys, msgs[0].ID); err != nil {
			t.Fatal(err)
		}
		if msgs, _ := s.PendingOutbox(f.sys, 10); len(msgs) != 0 {
			t.Errorf("PendingOutbox after MarkPublished = %d, want 0", len(msgs))
		}
	})
}

func TestTransitionIsCompareAndSet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		if _, err := s.Transition(f.sys, p.ID, []Stage{StageAnalyzing}, StageTraining, "train", nil); err != nil {
			t.Fatal(err)
		}
		c, err := s.CancelProject(f.ctxA, p.ID)
		if err != nil || c.Stage != StageCancelled || c.CompletedAt == nil {
			t.Fatalf("CancelProject = %+v, %v, want CANCELLED with completed_at", c, err)
		}
		// The worker's commit that expected TRAINING now fails.
		_, err = s.Transition(f.sys, p.ID, []Stage{StageTraining}, StageEvaluation, "evaluate", nil)
		wantErr(t, "Transition(TRAINING→EVALUATION after cancel)", err, ErrFailedPrecondition)
		_, err = s.CancelProject(f.ctxA, p.ID)
		wantErr(t, "CancelProject(cancelled)", err, ErrFailedPrecondition)
		evs, err := s.ListProgress(f.ctxA, p.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, fmt.Sprintf("%d:%s:%s", e.Sequence, e.Kind, e.Stage))
		}
		want := []string{"1:STAGE_CHANGED:ANALYZING", "2:STAGE_CHANGED:TRAINING", "3:TERMINAL:CANCELLED"}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		msgs, _ := s.PendingOutbox(f.sys, 10)
		if len(msgs) != 2 {
			t.Errorf("outbox has %d triggers, want 2 (create, TRAINING; none for CANCELLED)", len(msgs))
		}
	})
}

func TestDeleteDataset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		f.project(t, f.ctxA, f.dsA.ID, "uses the dataset")
		err := s.DeleteDataset(f.ctxA, f.dsA.ID)
		wantErr(t, "DeleteDataset(used)", err, ErrFailedPrecondition)
		unused := f.dataset(t, f.ctxA, "unused.csv")
		err = s.DeleteDataset(f.ctxB, unused.ID)
		wantErr(t, "DeleteDataset(B, A's)", err, ErrNotFound)
		if err := s.DeleteDataset(f.ctxA, unused.ID); err != nil {
			t.Fatalf("DeleteDataset = %v", err)
		}
		_, err = s.GetDataset(f.ctxA, unused.ID)
		wantErr(t, "GetDataset(deleted)", err, ErrNotFound)
	})
}
