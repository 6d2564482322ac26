package main

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/outboxmessage"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// serveOutbox returns the outbox that serve's relay publishes from. Through a broker every
// message reaches whoever subscribes, so serve relays them all. The in-process queue (mem://)
// reaches only this process: without embedded workers nobody here reads project triggers or
// webhook notifications, and relaying them would mark them published into a queue nobody
// reads, hiding them from the relays of the worker processes that share the database. Serve
// then relays only the topics it consumes itself (batch predictions) and leaves the rest in
// the outbox for the workers.
func serveOutbox(cfg config.Config, st *store.Store, q *queue.Queue) queue.Outbox {
	if cfg.Workers > 0 || !strings.HasPrefix(q.URL(), "mem://") {
		return st
	}
	return topicOutbox{st: st, topics: []string{st.BatchTopic()}}
}

// topicOutbox is the store's outbox restricted to some topics.
type topicOutbox struct {
	st     *store.Store
	topics []string
}

// PendingOutbox returns up to limit unpublished messages of the topics, oldest first.
func (o topicOutbox) PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error) {
	return o.st.Client().OutboxMessage.Query().
		Where(outboxmessage.PublishedAtIsNil(), outboxmessage.TopicIn(o.topics...)).
		Order(ent.Asc(outboxmessage.FieldCreatedAt), ent.Asc(outboxmessage.FieldID)).
		Limit(limit).All(ctx)
}

// MarkPublished records that the messages were published.
func (o topicOutbox) MarkPublished(ctx context.Context, ids ...uuid.UUID) error {
	return o.st.MarkPublished(ctx, ids...)
}

// MarkPublishFailed counts a failed publish attempt.
func (o topicOutbox) MarkPublishFailed(ctx context.Context, id uuid.UUID, cause error) error {
	return o.st.MarkPublishFailed(ctx, id, cause)
}
