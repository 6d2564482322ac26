package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/queue/queuetest"
	"github.com/trainyard/trainyard/internal/store"
)

// openStore opens, until the test ends, the SQLite store in dataDir that a running serve uses,
// as another replica would.
func openStore(t *testing.T, dataDir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dataDir, "trainyard.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// published writes a project trigger and a batch trigger to the outbox of the SQLite store in
// dataDir, waits for serve's relay to poll a few times, and reports which it marked published
// (a batch trigger nobody reads is marked without being sent: see serveOutbox).
func published(t *testing.T, dataDir string) (trigger, batch bool) {
	t.Helper()
	st := openStore(t, dataDir)
	sys := store.SystemContext(context.Background())
	err := st.InTx(sys, func(tx *store.Tx) error {
		if err := tx.EnqueueProjectTrigger(sys, uuid.New(), store.StageAnalyzing); err != nil {
			return err
		}
		_, err := tx.Enqueue(sys, store.Message{Topic: st.BatchTopic(), Payload: []byte(`{"batch_prediction_id":"` + uuid.NewString() + `"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The relay polls every second: after three polls every message it relays is out.
	deadline := time.Now().Add(3 * time.Second)
	for {
		pending, err := st.PendingOutbox(sys, 100)
		if err != nil {
			t.Fatal(err)
		}
		trigger, batch = true, true
		for _, m := range pending {
			switch m.Topic {
			case st.TriggerTopic():
				trigger = false
			case st.BatchTopic():
				batch = false
			}
		}
		if (trigger && batch) || time.Now().After(deadline) {
			return trigger, batch
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeWithoutWorkersKeepsTriggersForWorkerProcesses: with --workers 0 on the in-process
// queue, serve relays the batch triggers it consumes itself but leaves project triggers in the
// outbox for the worker processes' relays; with embedded workers, or through a broker, serve
// relays project triggers too (and through a broker without a batch subscription, marks batch
// triggers published without sending them: TestServeSendsNoBatchTriggerNobodyReads).
func TestServeWithoutWorkersKeepsTriggersForWorkerProcesses(t *testing.T) {
	natsURL := queuetest.NATS(t)
	for _, tc := range []struct {
		name        string
		vars        map[string]string
		wantTrigger bool
	}{
		{"mem, no workers", map[string]string{"TRAINYARD_WORKERS": "0"}, false},
		{"mem, embedded workers", map[string]string{"TRAINYARD_WORKERS": "1"}, true},
		{"broker, no workers", map[string]string{"TRAINYARD_WORKERS": "0", "TRAINYARD_QUEUE_URL": natsURL + "/trainyard-"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.vars["XDG_CONFIG_HOME"] = filepath.Join(dir, "config")
			dataDir := filepath.Join(dir, "data")
			_, stderr, stop := startServe(t, dataDir, tc.vars)
			defer stop()
			trigger, batch := published(t, dataDir)
			if trigger != tc.wantTrigger {
				t.Errorf("project trigger published = %v, want %v; log:\n%s", trigger, tc.wantTrigger, stderr)
			}
			if !batch {
				t.Errorf("batch trigger not published; log:\n%s", stderr)
			}
		})
	}
}
