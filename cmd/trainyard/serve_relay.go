package main

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// inProcess reports whether q is the in-process queue (mem://), which reaches only this process.
func inProcess(q *queue.Queue) bool { return strings.HasPrefix(q.URL(), "mem://") }

// batchSubscription returns the subscription serve receives batch triggers from: "" for the
// in-process queue, whose topic serve subscribes to itself, else batchSub, the broker's
// subscription of the batch topic. ok is false on a broker without one: nobody in serve reads
// the topic then.
func batchSubscription(q *queue.Queue, batchSub string) (subscriptionURL string, ok bool) {
	if inProcess(q) {
		return "", true
	}
	return batchSub, batchSub != ""
}

// serveOutbox returns the outbox that serve's relay publishes from. Through a broker every
// message reaches whoever subscribes, so serve relays them all, except batch triggers when
// serve has no subscription of their topic (batchSub): nobody would read them, and on Pub/Sub
// they would pile up unacknowledged on the topic's subscription; they are marked published
// without being sent (see unsentTopic). The in-process queue (mem://) reaches only this
// process: without embedded workers nobody here reads project triggers or webhook
// notifications, and relaying them would mark them published into a queue nobody reads,
// hiding them from the relays of the worker processes that share the database. Serve then
// relays only the topics it consumes itself (batch predictions) and leaves the rest in the
// outbox for the workers.
func serveOutbox(cfg config.Config, st *store.Store, q *queue.Queue, batchSub string) queue.Outbox {
	if _, ok := batchSubscription(q, batchSub); !ok {
		return unsentTopic{Outbox: st, topic: st.BatchTopic()}
	}
	if cfg.Workers > 0 || !inProcess(q) {
		return st
	}
	return st.OutboxOf(st.BatchTopic())
}

// unsentTopic is an outbox whose messages of one topic are marked published without being
// sent, for a topic nobody subscribes to. Marking them, rather than leaving them pending,
// keeps them from piling up in the outbox, where every poll of every relay would read them
// again. (Workers' relays leave the batch topic alone: serve's relay is its only publisher.)
type unsentTopic struct {
	queue.Outbox
	topic string
}

// PendingOutbox marks the pending messages of the topic published and returns the others. A
// relay reading fewer messages than it asked for takes the outbox for drained: what remains
// goes at its next poll.
func (o unsentTopic) PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error) {
	ms, err := o.Outbox.PendingOutbox(ctx, limit)
	if err != nil {
		return nil, err
	}
	var unsent []uuid.UUID
	kept := ms[:0]
	for _, m := range ms {
		if m.Topic == o.topic {
			unsent = append(unsent, m.ID)
		} else {
			kept = append(kept, m)
		}
	}
	if err := o.MarkPublished(ctx, unsent...); err != nil {
		return nil, err
	}
	return kept, nil
}
