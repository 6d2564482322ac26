package serving

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/batchprediction"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
)

// BatchChunk is how many rows a batch job reads, predicts and writes at a time. Memory is
// bounded by a few chunks, whatever the input's size.
const BatchChunk = 16384

// BatchOutputKey is where a batch job writes its predictions.
func BatchOutputKey(id uuid.UUID) string {
	return "batch-predictions/" + id.String() + "/predictions.csv"
}

// Batcher runs batch prediction jobs: it streams the job's input CSV from the blob store
// through the model and streams the output CSV back, recording progress on the job's row.
type Batcher struct {
	store    *store.Store
	blobs    *blob.Store
	registry *Registry
	log      *slog.Logger
	// progressEvery is the least time between two progress updates.
	progressEvery time.Duration
}

// NewBatcher returns a Batcher that loads models through reg.
func NewBatcher(st *store.Store, blobs *blob.Store, reg *Registry, log *slog.Logger) *Batcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Batcher{store: st, blobs: blobs, registry: reg, log: log, progressEvery: 500 * time.Millisecond}
}

// Run claims the PENDING job id and runs it to SUCCEEDED or FAILED. A job that another runner
// claimed, or that has finished, is left alone (nil error): triggers may be delivered twice.
// The output has the input's columns, then `prediction`, then for classifiers one
// `probability_<class>` column per class (sorted classes), then `error` (empty when the row
// was scored; the row's outputs are empty otherwise).
func (b *Batcher) Run(ctx context.Context, id uuid.UUID) error {
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
	start := time.Now()
	rows, runErr := b.run(ctx, job)
	if runErr != nil {
		msg := runErr.Error()
		st := store.BatchFailed
		if _, err := b.store.UpdateBatchPrediction(ctx, id, store.BatchChanges{State: &st, Error: &msg, RowsProcessed: &rows}); err != nil {
			return errors.Join(runErr, err)
		}
		b.log.WarnContext(ctx, "batch prediction failed", "batch", id, "rows", rows, "err", runErr)
		return nil
	}
	st, key := store.BatchSucceeded, BatchOutputKey(id)
	if _, err := b.store.UpdateBatchPrediction(ctx, id, store.BatchChanges{State: &st, OutputKey: &key, RowsProcessed: &rows, RowsTotal: &rows}); err != nil {
		return fmt.Errorf("finish batch prediction %s: %w", id, err)
	}
	b.log.InfoContext(ctx, "batch prediction done", "batch", id, "rows", rows, "duration", time.Since(start))
	return nil
}

// chunk is a block of input records and, once predicted, their predictions.
type chunk struct {
	recs  [][]string
	batch *model.Batch
	err   error
}

// run streams the job's rows; it returns the rows written.
func (b *Batcher) run(ctx context.Context, job *ent.BatchPrediction) (int64, error) {
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
	out, err := b.blobs.Create(ctx, BatchOutputKey(job.ID), "text/csv; charset=utf-8")
	if err != nil {
		return 0, fmt.Errorf("create output: %w", err)
	}
	rows, err := b.stream(ctx, job.ID, lm.Predictor, in, out)
	if err != nil {
		out.Abort()
		return rows, err
	}
	if err := out.Close(); err != nil {
		return rows, fmt.Errorf("write output: %w", err)
	}
	return rows, nil
}

// stream reads CSV records from in, predicts them chunk by chunk and writes the output CSV to
// out. Reading, predicting and writing overlap: a reader goroutine fills chunks while the
// previous chunk is predicted and written.
func (b *Batcher) stream(ctx context.Context, id uuid.UUID, p *model.Predictor, in io.Reader, out io.Writer) (int64, error) {
	cr := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return 0, errors.New("the input is empty: want a CSV with a header row")
	}
	if err != nil {
		return 0, fmt.Errorf("read input header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	rec, err := p.Bind(header)
	if err != nil {
		return 0, fmt.Errorf("the input does not fit the model: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *chunk, 2)
	var readErr error
	go func() {
		defer close(chunks)
		line := 1
		for ctx.Err() == nil {
			ch := &chunk{recs: make([][]string, 0, BatchChunk)}
			for len(ch.recs) < BatchChunk {
				r, err := cr.Read()
				if err == io.EOF {
					break
				}
				line++
				if err != nil {
					readErr = fmt.Errorf("read input near line %d: %w", line, err)
					return
				}
				ch.recs = append(ch.recs, r)
			}
			if len(ch.recs) == 0 {
				return
			}
			select {
			case chunks <- ch:
			case <-ctx.Done():
				return
			}
			if len(ch.recs) < BatchChunk {
				return
			}
		}
	}()

	w := bufio.NewWriterSize(out, 1<<20)
	line := make([]byte, 0, 4096)
	line = appendHeader(line, header, p)
	if _, err := w.Write(line); err != nil {
		return 0, err
	}
	var rows int64
	last := time.Now()
	for ch := range chunks {
		ch.batch, ch.err = rec.PredictBatch(ctx, ch.recs)
		if ch.err != nil {
			return rows, ch.err
		}
		if err := writeChunk(w, &line, p, ch, len(header)); err != nil {
			return rows, fmt.Errorf("write output: %w", err)
		}
		rows += int64(len(ch.recs))
		if time.Since(last) >= b.progressEvery {
			last = time.Now()
			if _, err := b.store.UpdateBatchPrediction(ctx, id, store.BatchChanges{RowsProcessed: &rows}); err != nil {
				b.log.WarnContext(ctx, "batch progress not saved", "batch", id, "err", err)
			}
		}
	}
	if readErr != nil {
		return rows, readErr
	}
	if err := ctx.Err(); err != nil {
		return rows, err
	}
	return rows, w.Flush()
}

// appendHeader appends the output's header line.
func appendHeader(line []byte, header []string, p *model.Predictor) []byte {
	for _, h := range header {
		line = appendField(line, h)
		line = append(line, ',')
	}
	line = append(line, "prediction"...)
	for _, c := range p.Classes() {
		line = append(line, ',')
		line = appendField(line, "probability_"+c)
	}
	return append(line, ",error\n"...)
}

// writeChunk writes the output lines of one predicted chunk.
func writeChunk(w *bufio.Writer, buf *[]byte, p *model.Predictor, ch *chunk, width int) error {
	bt := ch.batch
	errs := map[int]string{}
	for _, e := range bt.Errors {
		errs[e.Row] = e.Err.Error()
	}
	classes := p.Classes()
	k := len(classes)
	for i, r := range ch.recs {
		line := (*buf)[:0]
		for j := range width {
			if j < len(r) {
				line = appendField(line, r[j])
			}
			line = append(line, ',')
		}
		msg, failed := errs[i]
		switch {
		case failed:
			for range k {
				line = append(line, ',')
			}
		case k == 0:
			line = appendFloat(line, bt.Values[i], 64)
		default:
			line = appendField(line, classes[bt.Class[i]])
			for c := range k {
				line = append(line, ',')
				line = appendFloat(line, bt.Probabilities[i*k+c], 32)
			}
		}
		line = append(line, ',')
		if failed {
			line = appendField(line, msg)
		}
		line = append(line, '\n')
		*buf = line
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// appendFloat writes a number in its shortest form at the given precision.
func appendFloat(b []byte, v float64, bits int) []byte {
	if math.IsNaN(v) {
		return b
	}
	return strconv.AppendFloat(b, v, 'g', -1, bits)
}

// appendField writes one CSV field, quoted when it needs to be.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// ResumePending runs the jobs still PENDING (their trigger was lost, e.g. the process that
// took them stopped before starting them). It returns when all have run or ctx ends.
func (b *Batcher) ResumePending(ctx context.Context) error {
	ids, err := b.store.Client().BatchPrediction.Query().
		Where(batchprediction.StateEQ(store.BatchPending)).IDs(store.SystemContext(ctx))
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
