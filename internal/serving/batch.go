package serving

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/batchprediction"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// BatchChunk is how many rows a batch job reads, predicts and writes at a time. Memory is
// bounded by a few chunks, whatever the input's size. It is kept small because the chunks in
// flight hold every field as a string that the garbage collector scans: with 16384 rows of
// 57 fields, one collection while the buffers grew cost half a CPU-second per million rows.
const BatchChunk = 4096

// BatchOutputKey is where a batch job writes its predictions.
func BatchOutputKey(id uuid.UUID) string {
	return "batch-predictions/" + id.String() + "/predictions.csv"
}

// DefaultBatchLeaseTTL is how long a RUNNING job may go without an update from its runner
// before ResumePending and Sweep take it for abandoned (its process died) and run it again.
const DefaultBatchLeaseTTL = 30 * time.Second

// Batcher runs batch prediction jobs: it streams the job's input CSV from the blob store
// through the model and streams the output CSV back, recording progress on the job's row.
//
// A running job is leased: its runner updates the row (rows processed) at least every quarter
// of the lease TTL, fenced by the update time it last wrote. A job whose process died stays
// RUNNING without updates; once the TTL has passed, ResumePending (called when a server or
// worker starts) and Sweep re-queue it and run it again from the start. The output is written
// under one key per job and only committed when complete, so a re-run replaces nothing but an
// unfinished upload, and a runner that lost its lease (re-queued while it was stalled) drops
// its work at its next update.
//
// A Batcher runs at most a set number of jobs at once (WithMaxJobs, default 1), wherever their
// Run calls come from (the API, a broker's triggers, the sweep); the others wait their turn
// PENDING.
type Batcher struct {
	store    *store.Store
	blobs    *blob.Store
	registry *Registry
	log      *slog.Logger
	// slots holds one token per job running.
	slots chan struct{}
	// progressEvery is the least time between two progress updates.
	progressEvery time.Duration
	leaseTTL      time.Duration
	// chunkRows is how many records a job parses, predicts and writes at a time (BatchChunk
	// unless a test sets it).
	chunkRows int
}

// NewBatcher returns a Batcher that loads models through reg.
func NewBatcher(st *store.Store, blobs *blob.Store, reg *Registry, log *slog.Logger) *Batcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Batcher{store: st, blobs: blobs, registry: reg, log: log, slots: make(chan struct{}, 1),
		progressEvery: 500 * time.Millisecond, leaseTTL: DefaultBatchLeaseTTL, chunkRows: BatchChunk}
}

// WithMaxJobs sets how many jobs run at once (n > 0; default 1: a job already uses every core)
// and returns b. Call it before the first Run.
func (b *Batcher) WithMaxJobs(n int) *Batcher {
	if n > 0 {
		b.slots = make(chan struct{}, n)
	}
	return b
}

// WithLease sets the lease TTL (default DefaultBatchLeaseTTL; at most a quarter of it passes
// between two updates of a running job) and returns b. Call it before the first Run.
func (b *Batcher) WithLease(ttl time.Duration) *Batcher {
	if ttl > 0 {
		b.leaseTTL = ttl
		b.progressEvery = min(b.progressEvery, ttl/4)
	}
	return b
}

// Run waits for a free slot (see WithMaxJobs), then claims the PENDING job id and runs it to
// SUCCEEDED or FAILED. A job that another runner claimed, or that has finished, is left alone
// (nil error): triggers may be delivered twice. When ctx ends before a slot frees, the job
// stays PENDING and Run returns ctx's error.
// The output has the input's columns, then `prediction`, then for classifiers one
// `probability_<class>` column per class (sorted classes), then `error` (empty when the row
// was scored; the row's outputs are empty otherwise).
func (b *Batcher) Run(ctx context.Context, id uuid.UUID) error {
	select {
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	ctx = store.SystemContext(ctx)
	c := b.store.Client()
	n, err := c.BatchPrediction.Update().
		Where(batchprediction.ID(id), batchprediction.StateEQ(store.BatchPending)).
		SetState(store.BatchRunning).Save(ctx)
	if err != nil {
		return fmt.Errorf("claim batch prediction %s: %w", id, err)
	}
	if n == 0 {
		return nil
	}
	job, err := c.BatchPrediction.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("batch prediction %s: %w", id, err)
	}
	if job.State != store.BatchRunning {
		return nil // re-queued or finished in between: not ours
	}
	l := &lease{b: b, id: id, fence: job.UpdatedAt}
	start := time.Now()
	rows, runErr := b.run(ctx, job, l)
	if errors.Is(runErr, store.ErrLeaseLost) {
		b.log.WarnContext(ctx, "batch prediction taken over by another runner; dropping this run", "batch", id, "rows", rows)
		return nil
	}
	if runErr != nil {
		msg := runErr.Error()
		st := store.BatchFailed
		if err := l.update(ctx, store.BatchChanges{State: &st, Error: &msg, RowsProcessed: &rows}); err != nil {
			if errors.Is(err, store.ErrLeaseLost) {
				return nil
			}
			return errors.Join(runErr, err)
		}
		b.log.WarnContext(ctx, "batch prediction failed", "batch", id, "rows", rows, "err", runErr)
		return nil
	}
	st, key := store.BatchSucceeded, BatchOutputKey(id)
	if err := l.update(ctx, store.BatchChanges{State: &st, OutputKey: &key, RowsProcessed: &rows, RowsTotal: &rows}); err != nil {
		if errors.Is(err, store.ErrLeaseLost) {
			return nil // the runner that took over writes the same output and finishes the job
		}
		return fmt.Errorf("finish batch prediction %s: %w", id, err)
	}
	b.log.InfoContext(ctx, "batch prediction done", "batch", id, "rows", rows, "duration", time.Since(start))
	return nil
}

// lease is a running job's hold on its row: every update is fenced by the update time the
// runner wrote last.
type lease struct {
	b     *Batcher
	id    uuid.UUID
	mu    sync.Mutex
	fence time.Time
}

// update applies ch if the job is still this runner's, moving the fence.
func (l *lease) update(ctx context.Context, ch store.BatchChanges) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	fence := l.fence
	ch.Fence = &fence
	bp, err := l.b.store.UpdateBatchPrediction(ctx, l.id, ch)
	if err != nil {
		return err
	}
	l.fence = bp.UpdatedAt
	return nil
}

// keep updates the job's progress every progressEvery until ctx ends; when the lease is lost
// it cancels the run.
func (l *lease) keep(ctx context.Context, rows *atomic.Int64, cancel context.CancelCauseFunc) {
	t := time.NewTicker(l.b.progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := rows.Load()
		err := l.update(ctx, store.BatchChanges{RowsProcessed: &n})
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			cancel(store.ErrLeaseLost)
			return
		case err != nil && ctx.Err() == nil:
			l.b.log.WarnContext(ctx, "batch progress not saved", "batch", l.id, "err", err)
		}
	}
}

// run streams the job's rows; it returns the rows written.
func (b *Batcher) run(ctx context.Context, job *ent.BatchPrediction, l *lease) (int64, error) {
	m, err := b.store.Client().Model.Get(ctx, job.ModelID)
	if err != nil {
		return 0, fmt.Errorf("model %s: %w", job.ModelID, err)
	}
	lm, err := b.registry.Get(ctx, Ref{ID: m.ID, ArtifactKey: m.ArtifactKey, Version: m.UpdatedAt})
	if err != nil {
		return 0, err
	}
	in, err := b.blobs.Open(ctx, job.InputKey)
	if err != nil {
		return 0, fmt.Errorf("open input: %w", err)
	}
	defer in.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var rows atomic.Int64
	done := make(chan struct{})
	go func() { defer close(done); l.keep(ctx, &rows, cancel) }()
	defer func() { cancel(nil); <-done }()
	out, err := b.blobs.Create(ctx, BatchOutputKey(job.ID), "text/csv; charset=utf-8")
	if err != nil {
		return 0, fmt.Errorf("create output: %w", err)
	}
	err = b.stream(ctx, lm.Predictor, in, out, &rows)
	if cause := context.Cause(ctx); errors.Is(cause, store.ErrLeaseLost) {
		err = cause
	}
	if err != nil {
		out.Abort()
		return rows.Load(), err
	}
	if err := out.Close(); err != nil {
		return rows.Load(), fmt.Errorf("write output: %w", err)
	}
	return rows.Load(), nil
}

// ResumePending re-queues the RUNNING jobs whose lease ran out (their process died; see
// Batcher), then runs every PENDING job (also those whose trigger was lost). It returns when
// all have run or ctx ends. Call it when a server or worker starts, and from time to time
// (Sweep): a job left by a crash a moment ago is only re-queued once its lease has expired.
func (b *Batcher) ResumePending(ctx context.Context) error {
	sys := store.SystemContext(ctx)
	requeued, err := b.store.RequeueStaleBatchPredictions(sys, time.Now().Add(-b.leaseTTL))
	for _, id := range requeued {
		b.log.WarnContext(ctx, "batch prediction abandoned by its runner (no update within the lease); running it again", "batch", id, "lease", b.leaseTTL)
	}
	if err != nil {
		return fmt.Errorf("re-queue abandoned batch predictions: %w", err)
	}
	ids, err := b.store.Client().BatchPrediction.Query().
		Where(batchprediction.StateEQ(store.BatchPending)).IDs(sys)
	if err != nil {
		return fmt.Errorf("list pending batch predictions: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		errs = append(errs, b.Run(ctx, id))
	}
	return errors.Join(errs...)
}

// Sweep calls ResumePending now and then every interval (default: half the lease TTL) until
// ctx ends, so that jobs abandoned by a crashed process are run again.
func (b *Batcher) Sweep(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = b.leaseTTL / 2
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := b.ResumePending(ctx); err != nil && ctx.Err() == nil {
			b.log.WarnContext(ctx, "batch prediction sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
