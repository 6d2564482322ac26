package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gocloud.dev/pubsub"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/queue/queuetest"
	"github.com/trainyard/trainyard/internal/store"
)

// brokerVars returns the variables of a serve without embedded workers whose queue is the NATS
// server at natsURL, with the config folder under dir.
func brokerVars(dir, natsURL string) map[string]string {
	return map[string]string{
		"XDG_CONFIG_HOME":     filepath.Join(dir, "config"),
		"TRAINYARD_WORKERS":   "0",
		"TRAINYARD_QUEUE_URL": natsURL + "/trainyard-",
	}
}

// pendingBatchJob records, as the API does, a PENDING batch job with its trigger in the outbox.
// Its model is READY but has no artifact, so the job fails as soon as it runs: enough to see
// when it starts.
func pendingBatchJob(t *testing.T, st *store.Store) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	sys := store.SystemContext(ctx)
	u, err := st.GetOrCreateUser(sys, "batch@example.com", "", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	vctx := store.WithViewer(ctx, store.Viewer{UserID: u.ID, Role: store.RoleMember})
	ds, err := st.CreateDataset(vctx, store.NewDataset{DisplayName: "rows.csv", DataType: store.DataTypeTabular, NumRows: 1, NumColumns: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateProject(vctx, store.NewProject{DatasetID: ds.ID, ProblemDescription: "score rows"})
	if err != nil {
		t.Fatal(err)
	}
	var m *ent.Model
	err = st.InTx(sys, func(tx *store.Tx) (err error) {
		m, err = tx.CreateModel(sys, store.NewModel{ProjectID: p.ID, Learner: "gbdt", State: store.ModelReady})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	job, err := st.CreateBatchPrediction(vctx, store.NewBatchPrediction{ModelID: m.ID, InputKey: "rows.csv", RowsTotal: 1})
	if err != nil {
		t.Fatal(err)
	}
	return job.ID
}

// TestServeRunsBatchTriggersFromBroker: through a broker, a serve given the batch topic's
// subscription starts a batch job as soon as its trigger arrives. The job is written to the
// store directly, as by a replica that accepted it without starting it (busy with another job,
// or stopped), so only the trigger or a sweep can start it. Serve sweeps when it starts, before
// the job exists, and then every batchSweepEvery: a job seen started before that much time has
// passed since serve was started was started by its trigger.
func TestServeRunsBatchTriggersFromBroker(t *testing.T) {
	natsURL := queuetest.NATS(t)
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	vars := brokerVars(dir, natsURL)
	vars[batchSubscriptionVar] = natsURL + "/trainyard-batch-predictions"
	sweep := time.Now().Add(batchSweepEvery)
	_, stderr, stop := startServe(t, dataDir, vars)
	defer stop()
	st := openStore(t, dataDir)
	id := pendingBatchJob(t, st)
	for {
		bp, err := st.GetBatchPrediction(store.SystemContext(context.Background()), id)
		if err != nil {
			t.Fatal(err)
		}
		seen := time.Now()
		if seen.After(sweep) {
			t.Fatalf("batch job %s after %s, when serve's sweep may have started it; want it started by its trigger before; log:\n%s", bp.State, batchSweepEvery, stderr)
		}
		if bp.State != store.BatchPending {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeSendsNoBatchTriggerNobodyReads: through a broker, a serve without the batch topic's
// subscription marks batch triggers published without sending them, says once why, and still
// relays project triggers.
func TestServeSendsNoBatchTriggerNobodyReads(t *testing.T) {
	natsURL := queuetest.NATS(t)
	ctx := context.Background()
	q, err := queue.Open(ctx, natsURL+"/trainyard-")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	subscribe := func(subject string) *pubsub.Subscription {
		sub, err := q.Subscribe(ctx, "", natsURL+"/"+subject+"?queue=test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Shutdown(ctx) })
		return sub
	}
	triggers, batches := subscribe("trainyard-projects"), subscribe("trainyard-batch-predictions")
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	_, stderr, stop := startServe(t, dataDir, brokerVars(dir, natsURL))
	defer stop()

	if trigger, batch := published(t, dataDir); !trigger || !batch {
		t.Fatalf("relayed project trigger = %v, batch trigger = %v, want both out of the outbox; log:\n%s", trigger, batch, stderr)
	}
	// One flush of the relay handles both triggers: once the project trigger has arrived, a
	// batch trigger sent in the same flush has arrived too, or does within a moment.
	if !received(triggers, 5*time.Second) {
		t.Fatalf("no project trigger on the broker; log:\n%s", stderr)
	}
	if received(batches, time.Second) {
		t.Errorf("a batch trigger reached the broker without a subscription to read it")
	}
	if n := strings.Count(stderr.String(), "batch triggers are not published"); n != 1 {
		t.Errorf("serve said %d times that batch triggers are not published, want once; log:\n%s", n, stderr)
	}
}

// received reports whether sub delivers a message within wait.
func received(sub *pubsub.Subscription, wait time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := sub.Receive(ctx)
	if err != nil {
		return false
	}
	m.Ack()
	return true
}
