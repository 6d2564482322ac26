package worker_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/queue/queuetest"
	"github.com/trainyard/trainyard/internal/store"
)

// TestRelayPublishesOnlyConsumedTopics: a worker's relay leaves batch prediction triggers in
// the outbox for serve's relay; on the in-process queue it publishes the project triggers it
// runs, and the webhooks when it sends them, leaving webhooks it does not send for the process
// that does; through a broker it publishes project triggers and webhooks.
func TestRelayPublishesOnlyConsumedTopics(t *testing.T) {
	natsURL := queuetest.NATS(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()

	for _, tc := range []struct {
		name, queueURL, subscription string
		webhookSecret                []byte
		// batchLeft and webhookLeft say which messages the relay must leave in the outbox.
		batchLeft, webhookLeft bool
	}{
		{name: "mem, no webhooks", queueURL: "mem://", batchLeft: true, webhookLeft: true},
		{name: "mem, webhooks", queueURL: "mem://", webhookSecret: []byte("0123456789abcdef"), batchLeft: true},
		{name: "broker", queueURL: natsURL + "/trainyard-", subscription: natsURL + "/trainyard-projects", batchLeft: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := startWithoutWorker(t)
			q, err := queue.Open(ctx, tc.queueURL)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close(context.Background())
			w := worker.New(e.Store, q, e.Pipeline, worker.Options{Relay: true, RelayPoll: 50 * time.Millisecond,
				SweepInterval: -1, SubscriptionURL: tc.subscription, WebhookSecret: tc.webhookSecret})
			defer runWorker(ctx, t, w)()

			sys := store.SystemContext(ctx)
			enqueueOneOfEach(t, sys, e.Store, hook.URL)
			w.Wake()
			// The three messages went out in one transaction, so the relay reads them in one flush:
			// once the project trigger reached the worker, every message it relays is out.
			deadline := time.Now().Add(10 * time.Second)
			for w.Handled() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("the project trigger did not reach the worker in 10s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			pending, err := e.Store.PendingOutbox(sys, 10)
			if err != nil {
				t.Fatal(err)
			}
			var topics, want []string
			for _, m := range pending {
				topics = append(topics, m.Topic)
			}
			if tc.batchLeft {
				want = append(want, e.Store.BatchTopic())
			}
			if tc.webhookLeft {
				want = append(want, pipeline.WebhookTopic)
			}
			slices.Sort(topics)
			slices.Sort(want)
			if !slices.Equal(topics, want) {
				t.Errorf("topics left in the outbox = %q, want %q", topics, want)
			}
		})
	}
}

// enqueueOneOfEach writes, in one transaction, a project trigger (for a project that does not
// exist, which the worker drops), a batch prediction trigger and a webhook to url.
func enqueueOneOfEach(t *testing.T, sys context.Context, st *store.Store, url string) {
	t.Helper()
	batch, err := json.Marshal(store.BatchTrigger{BatchPredictionID: uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := json.Marshal(pipeline.WebhookMessage{URL: url, Event: pipeline.WebhookEvent{Type: "project.completed", ProjectID: uuid.NewString()}})
	if err != nil {
		t.Fatal(err)
	}
	err = st.InTx(sys, func(tx *store.Tx) error {
		if err := tx.EnqueueProjectTrigger(sys, uuid.New(), store.StageAnalyzing); err != nil {
			return err
		}
		if _, err := tx.Enqueue(sys, store.Message{Topic: st.BatchTopic(), Payload: batch}); err != nil {
			return err
		}
		_, err := tx.Enqueue(sys, store.Message{Topic: pipeline.WebhookTopic, Payload: hook})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
