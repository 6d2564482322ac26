package store

import (
	"errors"
	"testing"
	"time"
)

// TestBatchLease: fenced updates fail with ErrLeaseLost once a stale job was re-queued, and a
// stale job is re-queued once, a fresh one never.
func TestBatchLease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		m := f.model(t)
		job, err := s.CreateBatchPrediction(f.ctxA, NewBatchPrediction{ModelID: m.ID, InputKey: "in.csv"})
		if err != nil {
			t.Fatal(err)
		}
		running := BatchRunning
		bp, err := s.UpdateBatchPrediction(f.sys, job.ID, BatchChanges{State: &running})
		if err != nil {
			t.Fatal(err)
		}
		fence := bp.UpdatedAt
		rows := int64(10)
		if bp, err = s.UpdateBatchPrediction(f.sys, job.ID, BatchChanges{RowsProcessed: &rows, Fence: &fence}); err != nil {
			t.Fatalf("fenced update by the holder = %v", err)
		}
		fence = bp.UpdatedAt
		if ids, err := s.RequeueStaleBatchPredictions(f.sys, fence.Add(-time.Second)); err != nil || len(ids) != 0 {
			t.Fatalf("RequeueStale(fresh job) = %v, %v; want none", ids, err)
		}
		time.Sleep(5 * time.Millisecond)
		ids, err := s.RequeueStaleBatchPredictions(f.sys, time.Now())
		if err != nil || len(ids) != 1 || ids[0] != job.ID {
			t.Fatalf("RequeueStale(stale job) = %v, %v; want [%s]", ids, err, job.ID)
		}
		if ids, err := s.RequeueStaleBatchPredictions(f.sys, time.Now()); err != nil || len(ids) != 0 {
			t.Fatalf("RequeueStale again = %v, %v; want none (it is PENDING now)", ids, err)
		}
		got, err := s.GetBatchPrediction(f.sys, job.ID)
		if err != nil || got.State != BatchPending || got.RowsProcessed != 0 {
			t.Fatalf("re-queued job = %v, %v; want PENDING with 0 rows", got, err)
		}
		// The old runner wakes up: its fence is stale.
		done := BatchSucceeded
		_, err = s.UpdateBatchPrediction(f.sys, job.ID, BatchChanges{State: &done, Fence: &fence})
		if !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("fenced update after the re-queue = %v, want ErrLeaseLost", err)
		}
	})
}
