// Package worker runs the agent pipeline as a queue consumer: it receives project triggers
// from the work queue, runs each on the pipeline (which claims the project with a lease), and
// acknowledges them. Alongside it runs the outbox relay (publishing committed triggers to the
// queue) and a sweeper that re-triggers running projects nobody holds — after a crash the
// dead worker's lease expires and the sweeper hands the project to a live worker, and a
// trigger lost between processes (an in-process queue in each of several processes) is
// replaced the same way. The database is the source of truth; messages only wake workers.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/pubsub"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// Options tune a Worker. The zero value takes the defaults.
type Options struct {
	// Concurrency is how many projects run at once (default 2).
	Concurrency int
	// Relay runs an outbox relay in this worker; on the in-process queue it relays only the
	// topics this worker consumes (see relayOutbox).
	Relay bool
	// RelayPoll is the relay's polling interval (default 1s).
	RelayPoll time.Duration
	// SweepInterval is how often running projects without a live lease are re-triggered
	// (default 5s; negative disables the sweeper).
	SweepInterval time.Duration
	// SweepGrace is how long a project must have been idle before the sweeper re-triggers it
	// (default 3s), so a trigger on its way is not doubled.
	SweepGrace time.Duration
	// SubscriptionURL names the broker subscription (empty for mem://).
	SubscriptionURL string
	// WebhookSecret signs webhook notifications; nil delivers none (they stay in the queue
	// for a worker that has one).
	WebhookSecret []byte
	// WebhookAttempts bounds the tries of one notification (default 6).
	WebhookAttempts int
	// WebhookBackoff is the first wait between tries, doubled each time (default 1s).
	WebhookBackoff time.Duration
	// WebhookSubscriptionURL names the broker subscription of the webhook topic.
	WebhookSubscriptionURL string
	// HTTPClient sends webhooks (default a client with a 10s timeout).
	HTTPClient *http.Client
	// Logger receives operational messages (default: discard).
	Logger *slog.Logger
}

// Worker consumes project triggers. Run it once.
type Worker struct {
	st    *store.Store
	q     *queue.Queue
	pipe  *pipeline.Pipeline
	opts  Options
	log   *slog.Logger
	relay *queue.Relay

	mu       sync.Mutex
	inflight map[uuid.UUID]bool
	handled  int
}

// New returns a worker that runs pipe's stages for the triggers of q.
func New(st *store.Store, q *queue.Queue, pipe *pipeline.Pipeline, opts Options) *Worker {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 5 * time.Second
	}
	if opts.SweepGrace <= 0 {
		opts.SweepGrace = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WebhookAttempts <= 0 {
		opts.WebhookAttempts = 6
	}
	if opts.WebhookBackoff <= 0 {
		opts.WebhookBackoff = time.Second
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	w := &Worker{st: st, q: q, pipe: pipe, opts: opts, log: opts.Logger, inflight: map[uuid.UUID]bool{}}
	if opts.Relay {
		w.relay = queue.NewRelay(w.relayOutbox(), q, opts.Logger, opts.RelayPoll)
	}
	return w
}

// Wake asks the worker's relay, if it runs one, to publish the outbox now.
func (w *Worker) Wake() {
	if w.relay != nil {
		w.relay.Wake()
	}
}

// sendsWebhooks reports whether the worker delivers webhook notifications (it has a secret to
// sign them with).
func (w *Worker) sendsWebhooks() bool { return len(w.opts.WebhookSecret) > 0 }

// Handled returns how many stage triggers this worker ran to the end.
func (w *Worker) Handled() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.handled
}

// Run consumes triggers until ctx ends, then waits for the running stages to stop (they stop
// without committing; their leases are released so another worker resumes them).
func (w *Worker) Run(ctx context.Context) error {
	sys := store.SystemContext(ctx)
	// Every subscription is open before the relay starts: the in-process queue drops a message
	// published to a topic nobody subscribes to yet, and the relay publishes at once.
	sub, err := w.q.Subscribe(ctx, w.st.TriggerTopic(), w.opts.SubscriptionURL)
	if err != nil {
		return err
	}
	defer shutdown(ctx, sub)
	webhooks := w.subscribeWebhooks(ctx)
	if webhooks != nil {
		defer shutdown(ctx, webhooks)
	}
	var bg sync.WaitGroup
	if w.relay != nil {
		bg.Go(func() { w.relay.Run(sys) })
	}
	if w.opts.SweepInterval > 0 {
		bg.Go(func() { w.sweep(sys) })
	}
	if webhooks != nil {
		bg.Go(func() { w.deliverWebhooks(ctx, webhooks) })
	}
	defer bg.Wait()

	sem := make(chan struct{}, w.opts.Concurrency)
	var running sync.WaitGroup
	defer running.Wait()
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		msg, err := sub.Receive(ctx)
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				return nil
			}
			w.log.Warn("receive trigger", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		running.Go(func() {
			defer func() { <-sem }()
			w.handle(ctx, msg)
		})
	}
}

// shutdown closes sub, giving it a few seconds to finish even when ctx has ended.
func shutdown(ctx context.Context, sub *pubsub.Subscription) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = sub.Shutdown(sctx)
}

// handle runs one trigger and acknowledges it. Failures are left to the sweeper: the project
// stays in its stage without a lease and is re-triggered.
func (w *Worker) handle(ctx context.Context, msg *pubsub.Message) {
	defer msg.Ack()
	var trig store.ProjectTrigger
	if err := json.Unmarshal(msg.Body, &trig); err != nil || trig.ProjectID == uuid.Nil {
		w.log.Warn("malformed trigger", "body", string(msg.Body))
		return
	}
	w.mu.Lock()
	if w.inflight[trig.ProjectID] {
		w.mu.Unlock()
		return // this process already runs it
	}
	w.inflight[trig.ProjectID] = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.inflight, trig.ProjectID)
		w.handled++
		w.mu.Unlock()
	}()
	if err := w.pipe.Handle(ctx, trig); err != nil && !errors.Is(err, context.Canceled) {
		w.log.Warn("run stage", "project", trig.ProjectID, "stage", trig.Stage, "err", err)
	}
	w.Wake() // the commit wrote the next trigger to the outbox
}

// sweep re-triggers running projects that no live lease covers and that have been idle for
// the grace period: their worker died, or their trigger went to a queue nobody reads.
func (w *Worker) sweep(ctx context.Context) {
	t := time.NewTicker(w.opts.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.sweepOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("sweep", "err", err)
		}
	}
}

// sweepOnce publishes a trigger for each idle unleased running project, up to the free slots.
func (w *Worker) sweepOnce(ctx context.Context) error {
	w.mu.Lock()
	free := w.opts.Concurrency - len(w.inflight)
	w.mu.Unlock()
	if free <= 0 {
		return nil
	}
	ps, err := w.st.ListClaimableProjects(ctx, 4*w.opts.Concurrency)
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-w.opts.SweepGrace)
	for _, p := range ps {
		if free == 0 {
			break
		}
		w.mu.Lock()
		busy := w.inflight[p.ID]
		w.mu.Unlock()
		if busy || p.UpdatedAt.After(cutoff) {
			continue
		}
		body, err := json.Marshal(store.ProjectTrigger{ProjectID: p.ID, Stage: p.Stage})
		if err != nil {
			return err
		}
		if err := w.q.Publish(ctx, w.st.TriggerTopic(), body, map[string]string{"ordering_key": p.ID.String(), "sweeper": "1"}); err != nil {
			return fmt.Errorf("re-trigger project %s: %w", p.ID, err)
		}
		w.log.Info("re-triggered idle project", "project", p.ID, "stage", p.Stage, "idle", time.Since(p.UpdatedAt).Round(time.Second))
		free--
	}
	return nil
}

// Running returns how many projects this worker runs now.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.inflight)
}
