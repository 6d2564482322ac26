package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
)

// Outbox is the part of the store the relay needs: the transactional outbox.
type Outbox interface {
	// PendingOutbox returns up to limit unpublished messages, oldest first.
	PendingOutbox(ctx context.Context, limit int) ([]*ent.OutboxMessage, error)
	// MarkPublished records that the messages were published.
	MarkPublished(ctx context.Context, ids ...uuid.UUID) error
	// MarkPublishFailed counts a failed attempt.
	MarkPublishFailed(ctx context.Context, id uuid.UUID, cause error) error
}

// Relay publishes the outbox's messages to the queue: at once when woken (Wake), and at every
// poll interval as a safety net for messages written by other processes or left by a crash.
// Delivery is at-least-once: a message published but not yet marked is published again after a
// crash, so consumers treat messages as triggers and tolerate duplicates.
type Relay struct {
	outbox Outbox
	queue  *Queue
	log    *slog.Logger
	poll   time.Duration
	batch  int
	wake   chan struct{}
}

// NewRelay returns a relay from outbox to q polling every poll (default 1s).
func NewRelay(outbox Outbox, q *Queue, log *slog.Logger, poll time.Duration) *Relay {
	if poll <= 0 {
		poll = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{outbox: outbox, queue: q, log: log, poll: poll, batch: 100, wake: make(chan struct{}, 1)}
}

// Wake asks the relay to publish now; it never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run publishes until ctx ends. ctx must allow reading and updating the outbox (the store's
// system viewer).
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		if _, err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "outbox relay", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

// Flush publishes every pending message and returns how many it published. A message that
// fails to publish is counted and retried at the next flush; the others still go.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	total := 0
	for {
		ms, err := r.outbox.PendingOutbox(ctx, r.batch)
		if err != nil {
			return total, err
		}
		var done []uuid.UUID
		failed := 0
		for _, m := range ms {
			md := map[string]string{"outbox_id": m.ID.String()}
			if m.OrderingKey != "" {
				md["ordering_key"] = m.OrderingKey
			}
			if err := r.queue.Publish(ctx, m.Topic, m.Payload, md); err != nil {
				failed++
				if merr := r.outbox.MarkPublishFailed(ctx, m.ID, err); merr != nil {
					return total, merr
				}
				continue
			}
			done = append(done, m.ID)
		}
		if err := r.outbox.MarkPublished(ctx, done...); err != nil {
			return total, err
		}
		total += len(done)
		if len(ms) < r.batch || failed > 0 {
			return total, nil
		}
	}
}
