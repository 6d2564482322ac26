package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// TestCreatePublishesTrigger checks the whole path of a create: the project and its outbox row
// are written together, the handler wakes the relay, and the trigger reaches the queue at once
// (the relay's poll interval is an hour, so only the wake-up can deliver it in time).
func TestCreatePublishesTrigger(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	q, err := queue.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(context.Background())
	sub, err := q.Subscribe(ctx, h.st.TriggerTopic(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Shutdown(context.Background())
	relay := queue.NewRelay(h.st, q, slog.New(slog.DiscardHandler), time.Hour)
	h.srv.SetOutboxNotifier(relay.Wake)
	rctx, stop := context.WithCancel(store.SystemContext(ctx))
	done := make(chan struct{})
	go func() { relay.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	// The first flush publishes whatever was pending before; wait for it to be idle.
	time.Sleep(100 * time.Millisecond)

	for name, c := range h.protocols() {
		u := h.newUser(name+"@example.com", store.RoleMember)
		p, err := c.CreateProject(ctx, u.key, submission(h.newDataset(u), "predict churn via "+name))
		if err != nil {
			t.Fatalf("%s: CreateProject = %v", name, err)
		}
		m, err := sub.Receive(ctx)
		if err != nil {
			t.Fatalf("%s: no trigger on the queue after CreateProject: %v", name, err)
		}
		m.Ack()
		var trig store.ProjectTrigger
		if err := json.Unmarshal(m.Body, &trig); err != nil {
			t.Fatalf("%s: trigger %s: %v", name, m.Body, err)
		}
		if trig.ProjectID.String() != p.GetId() || trig.Stage != store.StageAnalyzing {
			t.Errorf("%s: trigger = %+v, want project %s in ANALYZING", name, trig, p.GetId())
		}
	}
}
