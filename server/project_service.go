package server

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/types"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/store"
)

// ProjectService implements trainyardv1connect.ProjectServiceHandler on the store. The stages
// are advanced by the agent workers; this service creates projects (leaving them in ANALYZING
// with a trigger in the outbox), reads and streams them, and takes the owner's decisions.
type ProjectService struct{ s *Server }

var _ trainyardv1connect.ProjectServiceHandler = (*ProjectService)(nil)

// displayNameFrom derives a short title from a description: its first line, cut at a word
// boundary to at most 80 characters.
func displayNameFrom(desc string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(desc), "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= 80 {
		return line
	}
	r := []rune(line)[:80]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > 40 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// CreateProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) CreateProject(ctx context.Context, req *trainyardv1.CreateProjectRequest) (*trainyardv1.Project, error) {
	sub := req.GetSubmission()
	dsID, err := parseName(sub.GetDatasetId(), "datasets")
	if err != nil {
		return nil, fieldError("submission.dataset_id", "must be the id of an uploaded dataset", err)
	}
	name := strings.TrimSpace(sub.GetDisplayName())
	if name == "" {
		name = displayNameFrom(sub.GetProblemDescription())
	}
	in := store.NewProject{
		DatasetID:          dsID,
		DisplayName:        name,
		ProblemDescription: strings.TrimSpace(sub.GetProblemDescription()),
		DataType:           dataTypeFromProto(sub.GetDataType()),
		RequiresApproval:   sub.GetRequiresApproval(),
		WebhookURL:         sub.GetWebhookUrl(),
		RequestID:          requestIDOf(ctx, req.GetRequestId()),
		MaxActive:          h.s.opts.MaxActiveProjects,
	}
	if b := sub.GetBudget(); b != nil {
		in.BudgetSeconds = int64(b.AsDuration().Seconds())
	}
	p, err := h.s.store.CreateProject(ctx, in)
	if err != nil {
		return nil, err
	}
	if t := strings.TrimSpace(sub.GetTargetColumn()); t != "" && len(p.Plan) == 0 {
		// The analyzer starts from the plan's target when the person named one. The store
		// cannot take it at creation yet, so it is set right after, before any stage runs
		// (the first trigger is only published after this handler wakes the relay).
		plan, err := protojson.Marshal(&trainyardv1.TrainingPlan{TargetColumn: t})
		if err != nil {
			return nil, err
		}
		if p, err = h.s.store.UpdateProject(store.SystemContext(ctx), p.ID, store.ProjectChanges{Plan: plan}); err != nil {
			return nil, err
		}
	}
	h.s.outboxWritten()
	return projectToProto(p), nil
}

// requestIDOf returns the request's request_id, or else its Idempotency-Key header (which the
// REST gateway forwards), so REST clients can make creates idempotent either way.
func requestIDOf(ctx context.Context, fromBody string) string {
	if fromBody != "" {
		return fromBody
	}
	if ci, ok := connect.CallInfoForHandlerContext(ctx); ok {
		if k := strings.TrimSpace(ci.RequestHeader().Get("Idempotency-Key")); k != "" && len(k) <= 100 {
			return k
		}
	}
	return ""
}

// GetProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) GetProject(ctx context.Context, req *trainyardv1.GetProjectRequest) (*trainyardv1.Project, error) {
	id, err := parseName(req.GetName(), "projects")
	if err != nil {
		return nil, err
	}
	p, err := h.s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.projectsToProto(ctx, p)[0], nil
}

// ListProjects implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) ListProjects(ctx context.Context, req *trainyardv1.ListProjectsRequest) (*trainyardv1.ListProjectsResponse, error) {
	var f store.ProjectFilter
	if st := stageFromProto(req.GetStage()); st != "" {
		f.Stages = []types.Stage{st}
	}
	f.Search = req.GetSearch()
	ps, next, err := h.s.store.ListProjects(ctx, f, store.PageRequest{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	return &trainyardv1.ListProjectsResponse{Projects: h.projectsToProto(ctx, ps...), NextPageToken: next}, nil
}

// DeleteProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) DeleteProject(ctx context.Context, req *trainyardv1.DeleteProjectRequest) (*trainyardv1.DeleteProjectResponse, error) {
	id, err := parseName(req.GetName(), "projects")
	if err != nil {
		return nil, err
	}
	if err := deleteProject(ctx, h.s.store, id); err != nil {
		return nil, err
	}
	return &trainyardv1.DeleteProjectResponse{}, nil
}

// GetProjectProgress implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) GetProjectProgress(ctx context.Context, req *trainyardv1.GetProjectProgressRequest) (*trainyardv1.PipelineProgress, error) {
	id, err := parseName(req.GetName(), "projects")
	if err != nil {
		return nil, err
	}
	p, err := h.s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.PipelineProgress{
		ProjectId:              p.ID.String(),
		CurrentStage:           stageToProto(p.Stage),
		StageProgress:          p.StageProgress * 100,
		EstimatedTimeRemaining: secondsPtr(p.EstimatedSecondsRemaining),
		OverallProgress:        overallProgress(p.Stage, p.StageProgress),
	}
	var after int64
	for {
		evs, err := h.s.store.ListProgress(ctx, id, after, store.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			after = e.Sequence
			if e.Kind == types.EventLog {
				if d := eventToProto(e, 0).GetLog(); d != nil {
					out.Logs = append(out.Logs, d)
				}
			}
		}
		if len(evs) < store.MaxPageSize {
			break
		}
	}
	out.LastSequence = after
	token := ""
	for {
		es, next, err := h.s.store.ListAuditEntries(ctx, id, store.PageRequest{Size: store.MaxPageSize, Token: token})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out.Decisions = append(out.Decisions, auditToProto(e))
		}
		if next == "" {
			break
		}
		token = next
	}
	return out, nil
}

// stageWeights is each working stage's share of the whole pipeline, in percent, in order.
var stageWeights = []struct {
	stage  types.Stage
	weight float64
}{
	{types.StageAnalyzing, 5}, {types.StageDataProcessing, 15}, {types.StageLabeling, 10},
	{types.StageModelSelection, 5}, {types.StageAwaitingApproval, 0}, {types.StageTraining, 45},
	{types.StageEvaluation, 10}, {types.StageDeployment, 10},
}

// overallProgress estimates the percent of the whole pipeline done.
func overallProgress(st types.Stage, stageFraction float64) float64 {
	if st == types.StageCompleted {
		return 100
	}
	done := 0.0
	for _, w := range stageWeights {
		if w.stage == st {
			return min(100, done+w.weight*stageFraction)
		}
		done += w.weight
	}
	return 0 // FAILED or CANCELLED: progress no longer means anything
}

// ListAuditEntries implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) ListAuditEntries(ctx context.Context, req *trainyardv1.ListAuditEntriesRequest) (*trainyardv1.ListAuditEntriesResponse, error) {
	id, err := parseName(req.GetParent(), "projects")
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = 100
	}
	es, next, err := h.s.store.ListAuditEntries(ctx, id, store.PageRequest{Size: size, Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.ListAuditEntriesResponse{NextPageToken: next}
	for _, e := range es {
		out.AuditEntries = append(out.AuditEntries, auditToProto(e))
	}
	return out, nil
}

// ApproveProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) ApproveProject(ctx context.Context, req *trainyardv1.ApproveProjectRequest) (*trainyardv1.Project, error) {
	p, err := h.awaitingApproval(ctx, req.GetName(), "approved")
	if err != nil {
		return nil, err
	}
	if max := h.s.opts.MaxActiveProjects; max > 0 {
		n, err := h.s.store.CountActiveProjects(ctx, p.OwnerID)
		if err != nil {
			return nil, err
		}
		if n >= max {
			return nil, connect.NewError(connect.CodeFailedPrecondition,
				fmt.Errorf("%d projects are already running (the limit is %d); wait for one to finish or cancel one before approving", n, max))
		}
	}
	if task := openLabelingTask(p); task != nil {
		return h.approveLabeling(ctx, p, task, req)
	}
	if len(req.GetClusterLabels()) > 0 || len(req.GetRowLabels()) > 0 {
		return nil, fieldError("cluster_labels", "the project has no open labeling task", nil)
	}
	plan := unmarshalStored(p.Plan, &trainyardv1.TrainingPlan{})
	if plan == nil {
		plan = &trainyardv1.TrainingPlan{}
	}
	var changes store.ProjectChanges
	var notes []string
	if b := req.GetBudget(); b != nil {
		secs := int64(b.AsDuration().Seconds())
		changes.BudgetSeconds = &secs
		plan.Budget = b
		notes = append(notes, "budget "+b.AsDuration().String())
	}
	if fams := req.GetModelFamilies(); len(fams) > 0 {
		plan.ModelFamilies = fams
		notes = append(notes, "model families "+strings.Join(fams, ", "))
	}
	if len(notes) > 0 {
		raw, err := protojson.Marshal(plan)
		if err != nil {
			return nil, err
		}
		changes.Plan = raw
	}
	decision := "plan approved"
	if len(notes) > 0 {
		decision += " with " + strings.Join(notes, "; ")
	}
	return h.decide(ctx, p.ID, p.Stage, types.StageTraining, []types.Stage{types.StageAwaitingApproval}, decision, req.GetComment(), &changes)
}

// RejectProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) RejectProject(ctx context.Context, req *trainyardv1.RejectProjectRequest) (*trainyardv1.Project, error) {
	p, err := h.awaitingApproval(ctx, req.GetName(), "rejected")
	if err != nil {
		return nil, err
	}
	return h.decide(ctx, p.ID, p.Stage, types.StageCancelled, []types.Stage{types.StageAwaitingApproval}, "plan rejected", req.GetReason(), nil)
}

// awaitingApproval returns the project of name, which must be awaiting approval to be
// approved or rejected (done names which, for the error).
func (h *ProjectService) awaitingApproval(ctx context.Context, name, done string) (*ent.Project, error) {
	id, err := parseName(name, "projects")
	if err != nil {
		return nil, err
	}
	p, err := h.s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Stage != types.StageAwaitingApproval {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			fmt.Errorf("project is %s; only a project awaiting approval can be %s", p.Stage, done))
	}
	return p, nil
}

// CancelProject implements trainyardv1connect.ProjectServiceHandler.
func (h *ProjectService) CancelProject(ctx context.Context, req *trainyardv1.CancelProjectRequest) (*trainyardv1.Project, error) {
	id, err := parseName(req.GetName(), "projects")
	if err != nil {
		return nil, err
	}
	p, err := h.s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Stage.Terminal() {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			fmt.Errorf("project is already %s", p.Stage))
	}
	return h.decide(ctx, id, p.Stage, types.StageCancelled, nil, "cancelled by the owner", req.GetReason(), nil)
}

// decide moves an owner-decided transition (approve, reject, cancel) and records it as a
// decision, in one transaction, then wakes the outbox relay. The decision is recorded first, so
// a terminal transition stays the last event of the stream.
func (h *ProjectService) decide(ctx context.Context, id uuid.UUID, current, to types.Stage, from []types.Stage, decision, reason string, changes *store.ProjectChanges) (*trainyardv1.Project, error) {
	v, _ := store.ViewerFrom(ctx)
	msg := decision
	if reason != "" {
		msg += ": " + reason
	}
	var out *trainyardv1.Project
	err := h.s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AppendAudit(store.SystemContext(ctx), id, store.NewAuditEntry{
			Stage:        current,
			DecisionType: "APPROVAL",
			Decision:     decision,
			Reasoning:    reasonOr(reason, "decided by the owner"),
			Confidence:   1,
			Reasoner:     "user " + v.UserID.String(),
		}); err != nil {
			return err
		}
		p, err := tx.Transition(ctx, id, from, to, msg, changes)
		if err != nil {
			return err
		}
		out = projectToProto(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.s.outboxWritten()
	return out, nil
}

// reasonOr returns reason, or def when it is empty.
func reasonOr(reason, def string) string {
	if strings.TrimSpace(reason) == "" {
		return def
	}
	return reason
}
