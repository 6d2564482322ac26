package serving_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/trainyard/trainyard/internal/store"
)

// TestBatchJobsWaitForASlot: with one slot (the default), a job whose Run comes while another
// job runs waits PENDING, here until its caller gives up, and runs once the slot is free.
func TestBatchJobsWaitForASlot(t *testing.T) {
	ctx := context.Background()
	sys := store.SystemContext(ctx)
	st, bl, b := openEnv(t, t.TempDir())
	ids := irisBatchJobs(t, st, bl, 1_000_000, 2)
	state := func(i int) store.BatchState {
		bp, err := st.GetBatchPrediction(sys, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		return bp.State
	}

	first := make(chan error, 1)
	go func() { first <- b.Run(ctx, ids[0]) }()
	for state(0) == store.BatchPending {
		time.Sleep(5 * time.Millisecond)
	}
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := b.Run(wctx, ids[1])
	if s := state(0); s != store.BatchRunning {
		t.Fatalf("the first job is %s when the second's wait ends, want RUNNING (make its input longer)", s)
	}
	if !errors.Is(err, context.DeadlineExceeded) || state(1) != store.BatchPending {
		t.Fatalf("Run(second job) while the first runs = %v, job %s; want it to wait PENDING until its deadline", err, state(1))
	}

	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := b.Run(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	for i := range ids {
		if s := state(i); s != store.BatchSucceeded {
			t.Errorf("job %d is %s, want SUCCEEDED", i, s)
		}
	}
}
