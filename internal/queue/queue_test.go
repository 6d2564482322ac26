package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
)

func TestMemPublishSubscribe(t *testing.T) {
	ctx := context.Background()
	q, err := Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	sub, err := q.Subscribe(ctx, "projects", "")
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	defer sub.Shutdown(ctx)
	if err := q.Publish(ctx, "projects", []byte("hello"), map[string]string{"k": "v"}); err != nil {
		t.Fatalf("Publish = %v", err)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := sub.Receive(rctx)
	if err != nil {
		t.Fatalf("Receive = %v", err)
	}
	m.Ack()
	if string(m.Body) != "hello" || m.Metadata["k"] != "v" {
		t.Errorf("Receive = %q %v, want hello {k: v}", m.Body, m.Metadata)
	}
	// Queues do not share in-process topics.
	q2, _ := Open(ctx, "mem://")
	defer q2.Close(ctx)
	if err := q2.Publish(ctx, "projects", []byte("other"), nil); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if m, err := sub.Receive(short); err == nil {
		t.Errorf("Receive got %q from another Queue's topic", m.Body)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, u := range []string{"", "nope", "kafka://x"} {
		if _, err := Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) = nil error, want one", u)
		}
	}
}

// fakeOutbox is an in-memory Outbox.
type fakeOutbox struct {
	mu        sync.Mutex
	pending   []*ent.OutboxMessage
	published []uuid.UUID
	failed    int
}

func (f *fakeOutbox) PendingOutbox(_ context.Context, limit int) ([]*ent.OutboxMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ent.OutboxMessage(nil), f.pending[:min(limit, len(f.pending))]...), nil
}

func (f *fakeOutbox) MarkPublished(_ context.Context, ids ...uuid.UUID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		for i, m := range f.pending {
			if m.ID == id {
				f.pending = append(f.pending[:i], f.pending[i+1:]...)
				f.published = append(f.published, id)
				break
			}
		}
	}
	return nil
}

func (f *fakeOutbox) MarkPublishFailed(context.Context, uuid.UUID, error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed++
	return nil
}

func TestRelayFlushesEverything(t *testing.T) {
	ctx := context.Background()
	q, _ := Open(ctx, "mem://")
	defer q.Close(ctx)
	sub, err := q.Subscribe(ctx, "projects", "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(ctx)
	ob := &fakeOutbox{}
	for i := range 250 {
		ob.pending = append(ob.pending, &ent.OutboxMessage{ID: uuid.New(), Topic: "projects", OrderingKey: "p", Payload: []byte{byte(i)}})
	}
	r := NewRelay(ob, q, nil, time.Hour)
	n, err := r.Flush(ctx)
	if err != nil || n != 250 {
		t.Fatalf("Flush = %d, %v; want 250 published", n, err)
	}
	if len(ob.pending) != 0 || len(ob.published) != 250 {
		t.Errorf("after Flush: %d pending, %d marked published; want 0 and 250", len(ob.pending), len(ob.published))
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	seen := map[byte]bool{}
	for i := range 250 {
		m, err := sub.Receive(rctx)
		if err != nil {
			t.Fatalf("Receive #%d = %v", i, err)
		}
		m.Ack()
		if m.Metadata["ordering_key"] != "p" || m.Metadata["outbox_id"] == "" {
			t.Fatalf("message #%d metadata = %v, want its ordering key and outbox id", i, m.Metadata)
		}
		seen[m.Body[0]] = true
	}
	if len(seen) != 250 {
		t.Errorf("received %d distinct messages, want 250", len(seen))
	}
}

func TestRelayWakeAndFailures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	q, _ := Open(ctx, "mem://")
	sub, err := q.Subscribe(ctx, "projects", "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(context.Background())
	ob := &fakeOutbox{}
	r := NewRelay(ob, q, nil, time.Hour)
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	ob.mu.Lock()
	ob.pending = append(ob.pending, &ent.OutboxMessage{ID: uuid.New(), Topic: "projects", Payload: []byte("x")})
	ob.mu.Unlock()
	r.Wake()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ob.mu.Lock()
		n := len(ob.published)
		ob.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Wake did not publish within 5 s (the poll interval is an hour)")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A closed queue fails the publish; the message stays pending and is counted.
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ob.mu.Lock()
	ob.pending = append(ob.pending, &ent.OutboxMessage{ID: uuid.New(), Topic: "projects", Payload: []byte("y")})
	ob.mu.Unlock()
	if _, err := r.Flush(context.Background()); err != nil {
		t.Fatalf("Flush with a failing publish = %v, want the failure recorded, not returned", err)
	}
	if ob.failed != 1 || len(ob.pending) != 1 {
		t.Errorf("after a failed publish: failed=%d pending=%d, want 1 and 1", ob.failed, len(ob.pending))
	}
	cancel()
	<-done
}
