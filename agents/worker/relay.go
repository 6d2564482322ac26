package worker

import (
	"context"
	"strings"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/outboxmessage"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// relayOutbox returns the outbox the worker's relay publishes from. Through a broker a message
// reaches its subscribers wherever they run, so the relay publishes every topic. The in-process
// queue (mem://) reaches only this process, and a message of a topic this worker does not
// consume (a batch prediction trigger, or a webhook when it sends none) would be marked
// published into a queue nobody reads, hiding it from the relay of the process that consumes
// it (`trainyard serve` runs batch predictions). There the relay publishes only the topics
// this worker consumes and leaves the others in the outbox.
func (w *Worker) relayOutbox() queue.Outbox {
	if !strings.HasPrefix(w.q.URL(), "mem://") {
		return w.st
	}
	topics := []string{w.st.TriggerTopic()}
	if w.sendsWebhooks() {
		topics = append(topics, pipeline.WebhookTopic)
	}
	return topicOutbox{Store: w.st, topics: topics}
}

// topicOutbox is the store's outbox restricted to some topics.
type topicOutbox struct {
	*store.Store
	topics []string
}

// PendingOutbox returns up to limit unpublished messages of the topics, oldest first. The
// topics are filtered in the query, so messages of other topics never crowd out these.
func (o topicOutbox) PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error) {
	return o.Client().OutboxMessage.Query().
		Where(outboxmessage.PublishedAtIsNil(), outboxmessage.TopicIn(o.topics...)).
		Order(ent.Asc(outboxmessage.FieldCreatedAt), ent.Asc(outboxmessage.FieldID)).
		Limit(limit).All(ctx)
}
