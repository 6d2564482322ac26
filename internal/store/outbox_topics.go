package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/outboxmessage"
)

// TopicOutbox is the outbox restricted to some topics. A relay publishing to the in-process
// queue reaches only its own process, so it must publish only the topics that process
// consumes: a message of another topic would be marked published into a queue nobody reads
// and hidden from the relay of the process that does consume it.
type TopicOutbox struct {
	s      *Store
	topics []string
}

// OutboxOf returns the outbox restricted to topics (system viewer only, as the whole outbox).
func (s *Store) OutboxOf(topics ...string) TopicOutbox {
	return TopicOutbox{s: s, topics: topics}
}

// PendingOutbox returns up to limit unpublished messages of the topics, oldest first. The
// topics are filtered in the query, so messages of other topics never crowd these out.
func (o TopicOutbox) PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error) {
	return o.s.pendingOutbox(ctx, limit, outboxmessage.TopicIn(o.topics...))
}

// MarkPublished records that the messages were published.
func (o TopicOutbox) MarkPublished(ctx context.Context, ids ...uuid.UUID) error {
	return o.s.MarkPublished(ctx, ids...)
}

// MarkPublishFailed counts a failed publish attempt of a message and keeps the error.
func (o TopicOutbox) MarkPublishFailed(ctx context.Context, id uuid.UUID, cause error) error {
	return o.s.MarkPublishFailed(ctx, id, cause)
}
