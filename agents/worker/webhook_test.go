package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/queue/queuetest"
	"github.com/trainyard/trainyard/internal/store"
)

// TestWebhookApprovalNeeded: a project that stops for approval notifies its webhook with a
// signed event, retried after a failure.
func TestWebhookApprovalNeeded(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	var got []pipeline.WebhookEvent
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		if err := worker.VerifySignature(secret, r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("VerifySignature = %v", err)
		}
		var ev pipeline.WebhookEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got = append(got, ev)
	}))
	defer srv.Close()

	e, err := pipelinetest.Start(context.Background(), pipelinetest.Config{Dir: t.TempDir(),
		Worker: worker.Options{WebhookSecret: secret, WebhookBackoff: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	path, err := pipelinetest.DatasetPath("iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Submit(context.Background(), pipelinetest.Submission{DatasetID: ds.ID, Description: "predict the species", RequiresApproval: true, WebhookURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = e.Wait(context.Background(), p.ID, 30*time.Second, store.StageAwaitingApproval); err != nil || p.Stage != store.StageAwaitingApproval {
		t.Fatalf("Wait = %v, %v", p.Stage, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != "project.approval_needed" || got[0].ProjectID != p.ID.String() {
		t.Fatalf("webhook events = %+v after %d calls, want one approval_needed for %s", got, calls, p.ID)
	}
	if calls != 2 {
		t.Errorf("webhook calls = %d, want 2 (one failure, one retry)", calls)
	}
}

// TestWebhookPendingAtStartIsDelivered: a webhook already in the outbox when a worker starts on
// the in-process queue is delivered. That queue drops a message published to a topic nobody
// subscribes to yet, and the worker's relay publishes at once, so the webhook subscription must
// exist before the relay starts. Opened in goroutines of their own the two race, and about half
// the starts lose the webhook, so the worker is started 20 times, each with a fresh queue.
func TestWebhookPendingAtStartIsDelivered(t *testing.T) {
	const starts = 20
	hook, delivered := webhookReceiver(t, starts)
	ctx := context.Background()
	e := startWithoutWorker(t)
	sys := store.SystemContext(ctx)
	for i := range starts {
		id := uuid.NewString()
		enqueueWebhook(t, sys, e.Store, pipeline.WebhookMessage{URL: hook.URL, Event: pipeline.WebhookEvent{Type: "project.completed", ProjectID: id}})
		q, err := queue.Open(ctx, "mem://")
		if err != nil {
			t.Fatal(err)
		}
		w := worker.New(e.Store, q, e.Pipeline, worker.Options{Relay: true, SweepInterval: -1, WebhookSecret: []byte("0123456789abcdef")})
		stop := runWorker(ctx, t, w)
		select {
		case got := <-delivered:
			if got != id {
				t.Errorf("start %d: webhook for project %s, want %s", i, got, id)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("start %d: webhook pending at start not delivered in 5s", i)
		}
		waitPublished(t, sys, e.Store)
		stop()
		q.Close(ctx)
		if t.Failed() {
			return
		}
	}
}

// waitPublished waits until the outbox has no pending message, so that a worker stopped
// next does not leave one for the next worker to publish again.
func waitPublished(t *testing.T, sys context.Context, st *store.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pending, err := st.PendingOutbox(sys, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the relay did not mark the webhook published in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// enqueueWebhook writes m to the outbox.
func enqueueWebhook(t *testing.T, sys context.Context, st *store.Store, m pipeline.WebhookMessage) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	err = st.InTx(sys, func(tx *store.Tx) error {
		_, err := tx.Enqueue(sys, store.Message{Topic: pipeline.WebhookTopic, Payload: b})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWebhookThroughBroker: through a broker, a worker given the webhook topic's subscription
// posts the webhooks other processes' relays published.
func TestWebhookThroughBroker(t *testing.T) {
	natsURL := queuetest.NATS(t)
	hook, delivered := webhookReceiver(t, 1)
	ctx := context.Background()
	e := startWithoutWorker(t)
	q, err := queue.Open(ctx, natsURL+"/trainyard-")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(context.Background())
	// Pending before the worker starts: its subscription is open before its relay publishes.
	id := uuid.NewString()
	enqueueWebhook(t, store.SystemContext(ctx), e.Store, pipeline.WebhookMessage{URL: hook.URL, Event: pipeline.WebhookEvent{Type: "project.completed", ProjectID: id}})
	w := worker.New(e.Store, q, e.Pipeline, worker.Options{Relay: true, RelayPoll: 50 * time.Millisecond, SweepInterval: -1,
		SubscriptionURL: natsURL + "/trainyard-projects", WebhookSubscriptionURL: natsURL + "/trainyard-" + pipeline.WebhookTopic,
		WebhookSecret: []byte("0123456789abcdef")})
	defer runWorker(ctx, t, w)()
	select {
	case got := <-delivered:
		if got != id {
			t.Errorf("webhook for project %s, want %s", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("webhook not delivered through the broker in 10s")
	}
}

// webhookReceiver serves webhooks until the test ends and sends each one's project id to the
// returned channel (room for n).
func webhookReceiver(t *testing.T, n int) (*httptest.Server, <-chan string) {
	delivered := make(chan string, n)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev pipeline.WebhookEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		delivered <- ev.ProjectID
	}))
	t.Cleanup(hook.Close)
	return hook, delivered
}

// runWorker runs w until the returned stop is called; stop waits for Run to return and
// reports its error.
func runWorker(ctx context.Context, t *testing.T, w *worker.Worker) (stop func()) {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(wctx) }()
	return func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run = %v", err)
		}
	}
}

// startWithoutWorker starts the pipeline's test environment with no worker of its own.
func startWithoutWorker(t *testing.T) *pipelinetest.Env {
	e, err := pipelinetest.Start(context.Background(), pipelinetest.Config{Dir: t.TempDir(), NoWorker: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}
