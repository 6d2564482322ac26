package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/outboxmessage"
	"github.com/trainyard/trainyard/ent/predicate"
)

// Message is a queue message to publish through the outbox.
type Message struct {
	Topic       string
	OrderingKey string
	Payload     []byte
}

// ProjectTrigger is the payload of the outbox messages that wake a worker for a project: it
// only says which project and which stage; the database holds everything else.
type ProjectTrigger struct {
	ProjectID uuid.UUID `json:"project_id"`
	Stage     Stage     `json:"stage"`
}

// BatchTrigger is the payload of the outbox messages that start a batch prediction.
type BatchTrigger struct {
	BatchPredictionID uuid.UUID `json:"batch_prediction_id"`
}

// Enqueue writes msg to the outbox inside tx; it is published after the commit.
func (tx *Tx) Enqueue(ctx context.Context, msg Message) (*ent.OutboxMessage, error) {
	m, err := tx.c.OutboxMessage.Create().
		SetTopic(msg.Topic).SetOrderingKey(msg.OrderingKey).SetPayload(msg.Payload).
		Save(system(ctx))
	return m, mapErr(err, "outbox message")
}

// EnqueueProjectTrigger writes a ProjectTrigger for the project to the outbox inside tx,
// ordered by project.
func (tx *Tx) EnqueueProjectTrigger(ctx context.Context, projectID uuid.UUID, stage Stage) error {
	b, err := json.Marshal(ProjectTrigger{ProjectID: projectID, Stage: stage})
	if err != nil {
		return err
	}
	_, err = tx.Enqueue(ctx, Message{Topic: tx.s.opts.TriggerTopic, OrderingKey: projectID.String(), Payload: b})
	return err
}

// TriggerTopic returns the outbox topic of project triggers.
func (s *Store) TriggerTopic() string { return s.opts.TriggerTopic }

// BatchTopic returns the outbox topic of batch prediction triggers.
func (s *Store) BatchTopic() string { return s.opts.BatchTopic }

// PendingOutbox returns up to limit unpublished messages, oldest first (system viewer only).
// Several relays may read the same message; consumers must tolerate duplicates (delivery is
// at-least-once anyway).
func (s *Store) PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error) {
	return s.pendingOutbox(ctx, limit)
}

// pendingOutbox returns up to limit unpublished messages that also match where, oldest first.
func (s *Store) pendingOutbox(ctx context.Context, limit int, where ...predicate.OutboxMessage) ([]*ent.OutboxMessage, error) {
	ms, err := s.client.OutboxMessage.Query().
		Where(outboxmessage.PublishedAtIsNil()).Where(where...).
		Order(ent.Asc(outboxmessage.FieldCreatedAt), ent.Asc(outboxmessage.FieldID)).
		Limit(limit).All(ctx)
	return ms, mapErr(err, "outbox")
}

// MarkPublished records that the messages were published.
func (s *Store) MarkPublished(ctx context.Context, ids ...uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.client.OutboxMessage.Update().
		Where(outboxmessage.IDIn(ids...), outboxmessage.PublishedAtIsNil()).
		SetPublishedAt(nowUTC()).Save(ctx)
	return mapErr(err, "outbox")
}

// MarkPublishFailed counts a failed publish attempt of a message and keeps the error.
func (s *Store) MarkPublishFailed(ctx context.Context, id uuid.UUID, cause error) error {
	_, err := s.client.OutboxMessage.UpdateOneID(id).AddAttempts(1).SetLastError(cause.Error()).Save(ctx)
	return mapErr(err, "outbox message "+id.String())
}

// PurgePublishedOutbox deletes messages published before cutoff and returns how many.
func (s *Store) PurgePublishedOutbox(ctx context.Context, cutoff time.Time) (int, error) {
	n, err := s.client.OutboxMessage.Delete().
		Where(outboxmessage.PublishedAtNotNil(), outboxmessage.PublishedAtLT(cutoff.UTC())).Exec(ctx)
	return n, mapErr(err, "outbox")
}
