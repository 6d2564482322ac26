package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/dataset"
	"github.com/trainyard/trainyard/ent/predicate"
	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/ent/user"
)

// Stage is a pipeline stage.
type Stage = types.Stage

// The stages.
const (
	StageAnalyzing        = types.StageAnalyzing
	StageDataProcessing   = types.StageDataProcessing
	StageLabeling         = types.StageLabeling
	StageModelSelection   = types.StageModelSelection
	StageAwaitingApproval = types.StageAwaitingApproval
	StageTraining         = types.StageTraining
	StageEvaluation       = types.StageEvaluation
	StageDeployment       = types.StageDeployment
	StageCompleted        = types.StageCompleted
	StageFailed           = types.StageFailed
	StageCancelled        = types.StageCancelled
)

// activeStages are the stages that count toward the concurrent-projects limit.
func activeStages() []Stage {
	var out []Stage
	for _, s := range types.Stage("").Values() {
		if st := Stage(s); st.Active() {
			out = append(out, st)
		}
	}
	return out
}

// nonTerminalStages are the stages a project can still leave.
func nonTerminalStages() []Stage {
	var out []Stage
	for _, s := range types.Stage("").Values() {
		if st := Stage(s); !st.Terminal() {
			out = append(out, st)
		}
	}
	return out
}

// NewProject describes a project to create; its owner is the viewer.
type NewProject struct {
	DatasetID          uuid.UUID
	DisplayName        string
	ProblemDescription string
	// DataType defaults to the dataset's.
	DataType         DataType
	RequiresApproval bool
	// BudgetSeconds is the training budget (0 = derived by the pipeline).
	BudgetSeconds int64
	WebhookURL    string
	// RequestID makes the create idempotent per owner ("" = not idempotent).
	RequestID string
	// MaxActive is the most projects the owner may have running (0 = no limit); projects
	// awaiting approval and finished ones do not count.
	MaxActive int
}

// CreateProject creates a project owned by the viewer in stage ANALYZING, its first progress
// event and the outbox message that triggers the workers, in one transaction. A RequestID the
// viewer already used returns the project created then (and writes nothing).
func (s *Store) CreateProject(ctx context.Context, in NewProject) (*ent.Project, error) {
	v, ok := ViewerFrom(ctx)
	if !ok || v.UserID == uuid.Nil {
		return nil, newErr(ErrPermissionDenied, "creating a project needs a user")
	}
	if v.ReadOnly() || v.Scoped() {
		return nil, newErr(ErrPermissionDenied, "this key cannot create projects")
	}
	if strings.TrimSpace(in.ProblemDescription) == "" {
		return nil, newErr(ErrInvalidArgument, "problem description is empty")
	}
	var out *ent.Project
	err := s.inTx(ctx, func(tx *Tx) error {
		sys := system(ctx)
		// Serialize this owner's creates so the limit and the request id hold under concurrency.
		if s.dialect == dialectPostgres {
			if _, err := tx.c.User.Query().Where(user.ID(v.UserID)).ForUpdate().OnlyID(sys); err != nil {
				return mapErr(err, "user "+v.UserID.String())
			}
		}
		if in.RequestID != "" {
			p, err := tx.c.Project.Query().Where(project.OwnerID(v.UserID), project.RequestID(in.RequestID)).Only(ctx)
			if err == nil {
				out = p
				return nil
			} else if !ent.IsNotFound(err) {
				return mapErr(err, "project")
			}
		}
		ds, err := tx.c.Dataset.Query().Where(dataset.ID(in.DatasetID), dataset.DeletedAtIsNil()).Only(ctx)
		if err != nil {
			return mapErr(err, "dataset "+in.DatasetID.String())
		}
		if in.MaxActive > 0 {
			n, err := tx.c.Project.Query().Where(project.OwnerID(v.UserID), project.StageIn(activeStages()...)).Count(sys)
			if err != nil {
				return mapErr(err, "projects")
			}
			if n >= in.MaxActive {
				return newErr(ErrFailedPrecondition,
					"%d projects are already running (the limit is %d); wait for one to finish or cancel one", n, in.MaxActive)
			}
		}
		dt := in.DataType
		if dt == "" {
			dt = ds.DataType
		}
		now := nowUTC()
		c := tx.c.Project.Create().
			SetOwnerID(v.UserID).
			SetDatasetID(ds.ID).
			SetDisplayName(in.DisplayName).
			SetProblemDescription(in.ProblemDescription).
			SetDataType(dt).
			SetRequiresApproval(in.RequiresApproval).
			SetBudgetSeconds(in.BudgetSeconds).
			SetStage(StageAnalyzing).
			SetStageStartedAt(now).
			SetCreatedAt(now).
			SetUpdatedAt(now)
		if in.WebhookURL != "" {
			c.SetWebhookURL(in.WebhookURL)
		}
		if in.RequestID != "" {
			c.SetRequestID(in.RequestID)
		}
		p, err := c.Save(ctx)
		if err != nil {
			return mapErr(err, "project")
		}
		if _, err := tx.AppendProgress(sys, p.ID, NewProgress{Kind: EventStageChanged, Stage: StageAnalyzing, Message: "project created"}); err != nil {
			return err
		}
		if err := tx.EnqueueProjectTrigger(sys, p.ID, StageAnalyzing); err != nil {
			return err
		}
		out, err = tx.c.Project.Get(ctx, p.ID)
		return mapErr(err, "project")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetProject returns a project the viewer may see.
func (s *Store) GetProject(ctx context.Context, id uuid.UUID) (*ent.Project, error) {
	p, err := s.client.Project.Get(ctx, id)
	return p, mapErr(err, "project "+id.String())
}

// ProjectFilter narrows ListProjects.
type ProjectFilter struct {
	// Stages keeps projects in one of these stages (empty = all).
	Stages []Stage
	// Search keeps projects whose name or description contains it, ignoring case.
	Search string
	// OwnerID keeps one owner's projects (for admins; uuid.Nil = all visible).
	OwnerID uuid.UUID
}

// scope identifies the filter inside page tokens.
func (f ProjectFilter) scope() string {
	b, _ := json.Marshal(f)
	return "projects:" + string(b)
}

// ListProjects returns the viewer's projects (every user's for an admin), newest first.
func (s *Store) ListProjects(ctx context.Context, f ProjectFilter, page PageRequest) ([]*ent.Project, string, error) {
	var preds []predicate.Project
	if len(f.Stages) > 0 {
		preds = append(preds, project.StageIn(f.Stages...))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		preds = append(preds, project.Or(project.DisplayNameContainsFold(q), project.ProblemDescriptionContainsFold(q)))
	}
	if f.OwnerID != uuid.Nil {
		preds = append(preds, project.OwnerID(f.OwnerID))
	}
	return listPage(ctx, page, f.scope(),
		func(where, order func(*sql.Selector), limit int) ([]*ent.Project, error) {
			return s.client.Project.Query().Where(append(preds, predicate.Project(where))...).
				Order(project.OrderOption(order)).Limit(limit).All(ctx)
		},
		func(p *ent.Project) (time.Time, uuid.UUID) { return p.CreatedAt, p.ID })
}

// CountActiveProjects returns how many of ownerID's projects are running: neither finished
// nor awaiting approval.
func (s *Store) CountActiveProjects(ctx context.Context, ownerID uuid.UUID) (int, error) {
	n, err := s.client.Project.Query().Where(project.OwnerID(ownerID), project.StageIn(activeStages()...)).Count(ctx)
	return n, mapErr(err, "projects")
}

// Transition moves a project from one of the stages in from (all unfinished stages when empty)
// to stage to, records a STAGE_CHANGED (or TERMINAL) event with message, and, when the new
// stage is work for the pipeline, enqueues its trigger, all in one transaction. change, when
// not nil, edits the project in the same update (a new plan on approval, an error message on
// failure). It fails with ErrFailedPrecondition when the project is in another stage, so two
// racing transitions (a cancel and a worker's commit) cannot both win.
func (s *Store) Transition(ctx context.Context, id uuid.UUID, from []Stage, to Stage, message string, change *ProjectChanges) (*ent.Project, error) {
	var out *ent.Project
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.Transition(ctx, id, from, to, message, change)
		return err
	})
	return out, err
}

// Transition is Store.Transition inside tx.
func (tx *Tx) Transition(ctx context.Context, id uuid.UUID, from []Stage, to Stage, message string, change *ProjectChanges) (*ent.Project, error) {
	if len(from) == 0 {
		from = nonTerminalStages()
	}
	now := nowUTC()
	u := tx.c.Project.Update().Where(project.ID(id), project.StageIn(from...))
	change.apply(u.Mutation())
	u.SetStage(to).SetStageStartedAt(now).SetStageProgress(0).ClearEstimatedSecondsRemaining()
	if to.Terminal() {
		u.SetCompletedAt(now).SetLeaseOwner("").ClearLeaseExpiresAt()
		if to == StageCompleted {
			u.SetStageProgress(1)
		}
	}
	n, err := u.Save(ctx)
	if err != nil {
		return nil, mapErr(err, "project "+id.String())
	}
	if n == 0 {
		p, err := tx.c.Project.Get(ctx, id)
		if err != nil {
			return nil, mapErr(err, "project "+id.String())
		}
		return nil, newErr(ErrFailedPrecondition, "project is %s, not %s", p.Stage, joinStages(from))
	}
	sys := system(ctx)
	kind := EventStageChanged
	if to.Terminal() {
		kind = EventTerminal
	}
	prog := 0.0
	if to == StageCompleted {
		prog = 1
	}
	if _, err := tx.AppendProgress(sys, id, NewProgress{Kind: kind, Stage: to, StageProgress: prog, Message: message}); err != nil {
		return nil, err
	}
	if !to.Terminal() && to != StageAwaitingApproval {
		if err := tx.EnqueueProjectTrigger(sys, id, to); err != nil {
			return nil, err
		}
	}
	p, err := tx.c.Project.Get(ctx, id)
	return p, mapErr(err, "project "+id.String())
}

// joinStages formats stages for messages.
func joinStages(st []Stage) string {
	if len(st) > 3 {
		return "in a stage that allows this"
	}
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

// CancelProject cancels an unfinished project at once (the workers notice at their next
// commit or lease renewal).
func (s *Store) CancelProject(ctx context.Context, id uuid.UUID) (*ent.Project, error) {
	p, err := s.Transition(ctx, id, nil, StageCancelled, "cancelled", nil)
	if err != nil {
		return nil, fmt.Errorf("cancel: %w", err)
	}
	return p, nil
}

// ProjectChanges lists project fields to set; nil fields are left alone.
type ProjectChanges struct {
	DisplayName *string
	Analysis    json.RawMessage
	Plan        json.RawMessage
	// LabelingTask is the labeling task shown to the owner (proto JSON); "null" clears it.
	LabelingTask     json.RawMessage
	ErrorMessage     *string
	Suggestions      []string
	ModelID          *uuid.UUID
	Iteration        *int
	BudgetSeconds    *int64
	RequiresApproval *bool
	StageProgress    *float64
	// EstimatedSecondsRemaining: a negative value clears the estimate.
	EstimatedSecondsRemaining *int64
	WebhookURL                *string
}

// apply sets the non-nil fields on m.
func (c *ProjectChanges) apply(m *ent.ProjectMutation) {
	if c == nil {
		return
	}
	if c.DisplayName != nil {
		m.SetDisplayName(*c.DisplayName)
	}
	if c.Analysis != nil {
		m.SetAnalysis(c.Analysis)
	}
	if c.Plan != nil {
		m.SetPlan(c.Plan)
	}
	if c.LabelingTask != nil {
		m.SetLabelingTask(c.LabelingTask)
	}
	if c.ErrorMessage != nil {
		m.SetErrorMessage(*c.ErrorMessage)
	}
	if c.Suggestions != nil {
		m.SetSuggestions(c.Suggestions)
	}
	if c.ModelID != nil {
		m.SetModelID(*c.ModelID)
	}
	if c.Iteration != nil {
		m.SetIteration(*c.Iteration)
	}
	if c.BudgetSeconds != nil {
		m.SetBudgetSeconds(*c.BudgetSeconds)
	}
	if c.RequiresApproval != nil {
		m.SetRequiresApproval(*c.RequiresApproval)
	}
	if c.StageProgress != nil {
		m.SetStageProgress(*c.StageProgress)
	}
	if e := c.EstimatedSecondsRemaining; e != nil {
		if *e < 0 {
			m.ClearEstimatedSecondsRemaining()
		} else {
			m.SetEstimatedSecondsRemaining(*e)
		}
	}
	if c.WebhookURL != nil {
		m.SetWebhookURL(*c.WebhookURL)
	}
}

// UpdateProject sets fields of a project without changing its stage.
func (s *Store) UpdateProject(ctx context.Context, id uuid.UUID, change ProjectChanges) (*ent.Project, error) {
	var out *ent.Project
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.UpdateProject(ctx, id, change)
		return err
	})
	return out, err
}

// UpdateProject is Store.UpdateProject inside tx.
func (tx *Tx) UpdateProject(ctx context.Context, id uuid.UUID, change ProjectChanges) (*ent.Project, error) {
	u := tx.c.Project.UpdateOneID(id)
	change.apply(u.Mutation())
	p, err := u.Save(ctx)
	return p, mapErr(err, "project "+id.String())
}
