package queue

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/trainyard/trainyard/internal/queue/queuetest"
)

func TestNATSQueueGroupSplitsTriggers(t *testing.T) {
	srv := queuetest.NATS(t)
	ctx := context.Background()
	q, err := Open(ctx, srv+"/trainyard-")
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer q.Close(ctx)
	subURL := srv + "/trainyard-projects?queue=workers"
	a, err := q.Subscribe(ctx, "projects", subURL)
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	defer a.Shutdown(ctx)
	b, err := q.Subscribe(ctx, "projects", subURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown(ctx)
	const n = 200
	for i := range n {
		if err := q.Publish(ctx, "projects", fmt.Appendf(nil, "t%d", i), map[string]string{OrderingKeyMetadata: "p1", "outbox_id": fmt.Sprint(i)}); err != nil {
			t.Fatalf("Publish = %v", err)
		}
	}
	got := map[string]int{}
	seen := map[string]bool{}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	results := make(chan string, n+10)
	recv := func(name string, sub *pubsub.Subscription) {
		for {
			m, err := sub.Receive(rctx)
			if err != nil {
				return
			}
			m.Ack()
			if string(m.Body) != "again" && (m.Metadata[OrderingKeyMetadata] != "p1" || m.Metadata["outbox_id"] == "") {
				t.Errorf("metadata = %v", m.Metadata)
			}
			results <- name + " " + string(m.Body)
		}
	}
	go recv("a", a)
	go recv("b", b)
	for range n {
		select {
		case r := <-results:
			w, body, _ := strings.Cut(r, " ")
			got[w]++
			if seen[body] {
				t.Errorf("%s delivered twice", body)
			}
			seen[body] = true
		case <-rctx.Done():
			t.Fatalf("received %d of %d", len(seen), n)
		}
	}
	if got["a"] == 0 || got["b"] == 0 {
		t.Errorf("deliveries per worker = %v, want both to get work", got)
	}
	// Another queue group gets its own copy.
	other, err := q.Subscribe(ctx, "projects", srv+"/trainyard-projects?queue=audit")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Shutdown(ctx)
	if err := q.Publish(ctx, "projects", []byte("again"), nil); err != nil {
		t.Fatal(err)
	}
	if m, err := other.Receive(rctx); err != nil || string(m.Body) != "again" {
		t.Errorf("other group Receive = %v, %v", m, err)
	} else {
		m.Ack()
	}
}

func TestNATSURLs(t *testing.T) {
	ctx := context.Background()
	srv := queuetest.NATS(t)
	q, err := Open(ctx, srv+"/")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	for _, u := range []string{srv + "/", srv + "/a.*", "nats:///x"} {
		if _, err := q.Subscribe(ctx, "projects", u); err == nil {
			t.Errorf("Subscribe(%q) = nil error, want one", u)
		}
	}
	if _, err := Open(ctx, "nats://127.0.0.1:1/x-"); err != nil {
		t.Errorf("Open does not connect yet: %v", err)
	}
}
