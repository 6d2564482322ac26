package store

import (
	"slices"
	"testing"

	"github.com/trainyard/trainyard/ent"
)

// TestOutboxOfTopics: an outbox restricted to some topics lists only their pending messages,
// oldest first, even when more messages of other topics than the limit are older; marking
// them published leaves the other topics pending.
func TestOutboxOfTopics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		sys := SystemContext(t.Context())
		err := s.InTx(sys, func(tx *Tx) error {
			for _, topic := range []string{"other", "other", "other", "a", "other", "b", "a"} {
				if _, err := tx.Enqueue(sys, Message{Topic: topic, Payload: []byte(topic)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ab := s.OutboxOf("a", "b")
		ms, err := ab.PendingOutbox(sys, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := topics(ms); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("PendingOutbox(2) topics = %q, want [a b]", got)
		}
		ms, err = ab.PendingOutbox(sys, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := topics(ms); !slices.Equal(got, []string{"a", "b", "a"}) {
			t.Fatalf("PendingOutbox(10) topics = %q, want [a b a]", got)
		}
		if err := ab.MarkPublished(sys, ms[0].ID, ms[1].ID, ms[2].ID); err != nil {
			t.Fatal(err)
		}
		if ms, err := ab.PendingOutbox(sys, 10); err != nil || len(ms) != 0 {
			t.Errorf("PendingOutbox after MarkPublished = %q, %v, want none", topics(ms), err)
		}
		all, err := s.PendingOutbox(sys, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := topics(all); !slices.Equal(got, []string{"other", "other", "other", "other"}) {
			t.Errorf("whole outbox after MarkPublished = %q, want four of other", got)
		}
	})
}

// topics returns the topic of each message.
func topics(ms []*ent.OutboxMessage) []string {
	var ts []string
	for _, m := range ms {
		ts = append(ts, m.Topic)
	}
	return ts
}
