package queue

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	raw "cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/pstest"
)

// startPubSub serves a pstest fake, points the client library at it and provisions the
// trigger topic, the workers' subscription and the dead-letter topic of project p1.
func startPubSub(t *testing.T, maxDeliveries int32) *pstest.Server {
	t.Helper()
	srv := pstest.NewServer()
	t.Cleanup(func() { srv.Close() })
	t.Setenv("PUBSUB_EMULATOR_HOST", srv.Addr)
	ctx := context.Background()
	c, err := raw.NewClient(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l := GCPLayout{Project: "p1", Topic: "trainyard-projects", Subscription: "trainyard-workers", MaxDeliveries: maxDeliveries}
	for range 2 { // provisioning twice is harmless
		if err := ProvisionGCP(ctx, c, l); err != nil {
			t.Fatalf("ProvisionGCP = %v", err)
		}
	}
	return srv
}

func TestPubSubOrderingKeysPerProject(t *testing.T) {
	srv := startPubSub(t, 5)
	ctx := context.Background()
	q, err := Open(ctx, "gcppubsub://projects/p1/topics/trainyard-")
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer q.Close(ctx)
	const n = 10
	for i := range n {
		for _, p := range []string{"proj-a", "proj-b"} {
			if err := q.Publish(ctx, "projects", fmt.Appendf(nil, "%s %d", p, i), map[string]string{OrderingKeyMetadata: p, "outbox_id": fmt.Sprint(i)}); err != nil {
				t.Fatalf("Publish = %v", err)
			}
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2*n {
		t.Fatalf("server has %d messages, want %d", len(msgs), 2*n)
	}
	for _, m := range msgs {
		if m.Topic != "projects/p1/topics/trainyard-projects" || !strings.HasPrefix(string(m.Data), m.OrderingKey+" ") {
			t.Errorf("message %q on %s has ordering key %q", m.Data, m.Topic, m.OrderingKey)
		}
		if _, ok := m.Attributes[OrderingKeyMetadata]; ok || m.Attributes["outbox_id"] == "" {
			t.Errorf("attributes = %v, want outbox_id and no ordering_key", m.Attributes)
		}
	}
	sub, err := q.Subscribe(ctx, "projects", "gcppubsub://projects/p1/subscriptions/trainyard-workers")
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	defer sub.Shutdown(ctx)
	next := map[string]int{}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for range 2 * n {
		m, err := sub.Receive(rctx)
		if err != nil {
			t.Fatalf("Receive = %v (got %v)", err, next)
		}
		var p string
		var i int
		fmt.Sscanf(string(m.Body), "%s %d", &p, &i)
		if i != next[p] {
			t.Errorf("received %q, want %s %d next: one project's triggers arrive in order", m.Body, p, next[p])
		}
		next[p] = i + 1
		m.Ack()
	}
}

func TestPubSubDeadLetterAfterMaxDeliveries(t *testing.T) {
	srv := startPubSub(t, 5)
	ctx := context.Background()
	q, err := Open(ctx, "gcppubsub://projects/p1/topics/trainyard-")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	if err := q.Publish(ctx, "projects", []byte("poison"), map[string]string{OrderingKeyMetadata: "proj-x"}); err != nil {
		t.Fatal(err)
	}
	sub, err := q.Subscribe(ctx, "projects", "gcppubsub://projects/p1/subscriptions/trainyard-workers")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(ctx)
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for i := range 5 {
		m, err := sub.Receive(rctx)
		if err != nil {
			t.Fatalf("delivery %d: Receive = %v", i+1, err)
		}
		var rm *raw.Message
		if m.As(&rm) && rm.DeliveryAttempt != nil && *rm.DeliveryAttempt != i+1 {
			t.Errorf("delivery attempt = %d, want %d", *rm.DeliveryAttempt, i+1)
		}
		m.Nack() // the stage failed
	}
	dead, err := q.Subscribe(ctx, "", "gcppubsub://projects/p1/subscriptions/trainyard-projects-dead-sub")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Shutdown(ctx)
	m, err := dead.Receive(rctx)
	if err != nil {
		t.Fatalf("dead-letter Receive = %v", err)
	}
	m.Ack()
	if string(m.Body) != "poison" {
		t.Errorf("dead letter = %q, want poison", m.Body)
	}
	var deliveries int
	for _, sm := range srv.Messages() {
		if string(sm.Data) == "poison" && sm.Topic == "projects/p1/topics/trainyard-projects" {
			deliveries = sm.Deliveries
		}
	}
	if deliveries != 5 {
		t.Errorf("poison was delivered %d times, want 5 before dead-lettering", deliveries)
	}
}

func TestPubSubURLs(t *testing.T) {
	ctx := context.Background()
	q, err := Open(ctx, "gcppubsub://projects/p1/topics/trainyard-")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	if _, err := q.Subscribe(ctx, "projects", "gcppubsub://projects/p1/topics/x"); err == nil {
		t.Error("Subscribe to a topic URL = nil error, want one")
	}
	if _, err := q.Subscribe(ctx, "projects", ""); err == nil {
		t.Error("Subscribe without a subscription URL = nil error, want one")
	}
}
