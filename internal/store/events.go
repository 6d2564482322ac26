package store

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/auditentry"
	"github.com/trainyard/trainyard/ent/progressevent"
	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/ent/types"
)

// EventKind says what a progress event reports.
type EventKind = types.EventKind

// The event kinds.
const (
	EventStageChanged = types.EventStageChanged
	EventProgress     = types.EventProgress
	EventLog          = types.EventLog
	EventDecision     = types.EventDecision
	EventTerminal     = types.EventTerminal
)

// NewProgress describes a progress event to append.
type NewProgress struct {
	Kind EventKind
	// Stage defaults to the project's current stage.
	Stage Stage
	// StageProgress is the fraction of the stage done, 0..1.
	StageProgress float64
	// EstimatedSecondsRemaining is the honest ETA, nil when unknown.
	EstimatedSecondsRemaining *int64
	Message                   string
	Payload                   json.RawMessage
}

// AppendProgress appends an event to a project's stream with the next sequence (1, 2, ...
// without gaps, even under concurrent appends). A PROGRESS event also updates the project's
// stage_progress and ETA. Only the system viewer writes progress.
func (s *Store) AppendProgress(ctx context.Context, projectID uuid.UUID, in NewProgress) (*ent.ProgressEvent, error) {
	var out *ent.ProgressEvent
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.AppendProgress(ctx, projectID, in)
		return err
	})
	return out, err
}

// AppendProgress is Store.AppendProgress inside tx.
func (tx *Tx) AppendProgress(ctx context.Context, projectID uuid.UUID, in NewProgress) (*ent.ProgressEvent, error) {
	// Bumping the counter in the project row takes its row lock (Postgres) or the write lock
	// (SQLite) until commit, which serializes appends per project.
	u := tx.c.Project.UpdateOneID(projectID).AddNextSequence(1)
	if in.Kind == EventProgress {
		u.SetStageProgress(in.StageProgress)
		if in.EstimatedSecondsRemaining != nil {
			u.SetEstimatedSecondsRemaining(*in.EstimatedSecondsRemaining)
		} else {
			u.ClearEstimatedSecondsRemaining()
		}
	}
	p, err := u.Save(ctx)
	if err != nil {
		return nil, mapErr(err, "project "+projectID.String())
	}
	stage := in.Stage
	if stage == "" {
		stage = p.Stage
	}
	c := tx.c.ProgressEvent.Create().
		SetProjectID(projectID).
		SetSequence(p.NextSequence).
		SetStage(stage).
		SetKind(in.Kind).
		SetStageProgress(in.StageProgress).
		SetNillableEstimatedSecondsRemaining(in.EstimatedSecondsRemaining).
		SetMessage(in.Message)
	if len(in.Payload) > 0 {
		c.SetPayload(in.Payload)
	}
	ev, err := c.Save(ctx)
	if err != nil {
		return nil, mapErr(err, "progress event")
	}
	tx.touch(projectID)
	return ev, nil
}

// ListProgress returns up to limit events of a project with a sequence above after, in order.
// Another user's project is ErrNotFound.
func (s *Store) ListProgress(ctx context.Context, projectID uuid.UUID, after int64, limit int) ([]*ent.ProgressEvent, error) {
	if _, err := s.client.Project.Query().Where(project.ID(projectID)).OnlyID(ctx); err != nil {
		return nil, mapErr(err, "project "+projectID.String())
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	evs, err := s.client.ProgressEvent.Query().
		Where(progressevent.ProjectID(projectID), progressevent.SequenceGT(after)).
		Order(ent.Asc(progressevent.FieldSequence)).Limit(limit).All(ctx)
	return evs, mapErr(err, "progress events")
}

// NewAuditEntry describes a decision to record.
type NewAuditEntry struct {
	Stage        Stage
	DecisionType string
	Decision     string
	// Alternatives are the options considered, with their scores (JSON).
	Alternatives json.RawMessage
	// Evidence is what was measured (JSON).
	Evidence   json.RawMessage
	Reasoning  string
	Confidence float64
	// Reasoner names who decided ("rules", "gemini", ...).
	Reasoner string
}

// decisionPayload is the payload of the DECISION progress event that mirrors an audit entry.
type decisionPayload struct {
	AuditEntryID uuid.UUID `json:"audit_entry_id"`
	Sequence     int64     `json:"audit_sequence"`
	DecisionType string    `json:"decision_type"`
	Decision     string    `json:"decision"`
	Confidence   float64   `json:"confidence"`
	Reasoner     string    `json:"reasoner"`
}

// AppendAudit records a decision with the project's next audit sequence and mirrors it as a
// DECISION progress event, in one transaction. Only the system viewer records decisions.
func (s *Store) AppendAudit(ctx context.Context, projectID uuid.UUID, in NewAuditEntry) (*ent.AuditEntry, error) {
	var out *ent.AuditEntry
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.AppendAudit(ctx, projectID, in)
		return err
	})
	return out, err
}

// AppendAudit is Store.AppendAudit inside tx.
func (tx *Tx) AppendAudit(ctx context.Context, projectID uuid.UUID, in NewAuditEntry) (*ent.AuditEntry, error) {
	p, err := tx.c.Project.UpdateOneID(projectID).AddNextAuditSequence(1).Save(ctx)
	if err != nil {
		return nil, mapErr(err, "project "+projectID.String())
	}
	stage := in.Stage
	if stage == "" {
		stage = p.Stage
	}
	c := tx.c.AuditEntry.Create().
		SetProjectID(projectID).
		SetSequence(p.NextAuditSequence).
		SetStage(stage).
		SetDecisionType(in.DecisionType).
		SetDecision(in.Decision).
		SetReasoning(in.Reasoning).
		SetConfidence(in.Confidence).
		SetReasoner(in.Reasoner)
	if len(in.Alternatives) > 0 {
		c.SetAlternatives(in.Alternatives)
	}
	if len(in.Evidence) > 0 {
		c.SetEvidence(in.Evidence)
	}
	e, err := c.Save(ctx)
	if err != nil {
		return nil, mapErr(err, "audit entry")
	}
	payload, err := json.Marshal(decisionPayload{
		AuditEntryID: e.ID, Sequence: e.Sequence, DecisionType: e.DecisionType,
		Decision: e.Decision, Confidence: e.Confidence, Reasoner: e.Reasoner,
	})
	if err != nil {
		return nil, err
	}
	if _, err := tx.AppendProgress(ctx, projectID, NewProgress{
		Kind: EventDecision, Stage: stage, StageProgress: p.StageProgress,
		EstimatedSecondsRemaining: p.EstimatedSecondsRemaining,
		Message:                   e.DecisionType + ": " + e.Decision, Payload: payload,
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// ListAuditEntries returns a project's decisions in the order they were made, a page at a
// time. Another user's project is ErrNotFound.
func (s *Store) ListAuditEntries(ctx context.Context, projectID uuid.UUID, page PageRequest) ([]*ent.AuditEntry, string, error) {
	if _, err := s.client.Project.Query().Where(project.ID(projectID)).OnlyID(ctx); err != nil {
		return nil, "", mapErr(err, "project "+projectID.String())
	}
	scope := "audit:" + projectID.String()
	c, err := decodeToken(page.Token, scope)
	if err != nil {
		return nil, "", err
	}
	q := s.client.AuditEntry.Query().Where(auditentry.ProjectID(projectID))
	if c != nil {
		q.Where(auditentry.SequenceGT(c.Seq))
	}
	n := page.size()
	es, err := q.Order(ent.Asc(auditentry.FieldSequence)).Limit(n + 1).All(ctx)
	if err != nil {
		return nil, "", mapErr(err, "audit entries")
	}
	if len(es) <= n {
		return es, "", nil
	}
	es = es[:n]
	return es, encodeToken(cursor{Seq: es[n-1].Sequence, Scope: scope}), nil
}
