package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
)

// batchResult is the batch measurement.
type batchResult struct {
	rows       int
	inputBytes int64
	job        time.Duration // CSV in the blob store → predictions CSV in the blob store
	jobCPU     time.Duration
	predict    time.Duration // Record.PredictBatch on parsed records only
	predictCPU time.Duration
	predictN   int
}

// quotedColumn is the column that -batch-quoted appends to the batch input, every cell quoted as
// spambase.csv quotes its class labels ("spam"): the job then reads an input with quoted cells,
// as it does when a user keeps such a column.
type quotedColumn struct {
	name  string
	cells []string // one per data row
}

// measureBatch writes an input CSV of n rows (the data's rows repeated, with the quoted column
// when it is not nil) to the blob store and times a batch prediction job over it end to end,
// then times PredictBatch alone.
func measureBatch(ctx context.Context, ts *trainyard, art *model.Artifact, header []string, rows [][]string, quoted *quotedColumn, n int) (batchResult, error) {
	key := "bench/input.csv"
	w, err := ts.blobs.Create(ctx, key, "text/csv")
	if err != nil {
		return batchResult{}, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(strings.Join(header, ","))
	if quoted != nil {
		bw.WriteString("," + quoted.name)
	}
	bw.WriteString("\n")
	for i := range n {
		bw.WriteString(strings.Join(rows[i%len(rows)], ","))
		if quoted != nil {
			bw.WriteString(`,"` + strings.ReplaceAll(quoted.cells[i%len(rows)], `"`, `""`) + `"`)
		}
		bw.WriteString("\n")
	}
	if err := bw.Flush(); err != nil {
		return batchResult{}, err
	}
	if err := w.Close(); err != nil {
		return batchResult{}, err
	}
	res := batchResult{rows: n, inputBytes: w.Written()}
	job, err := ts.st.CreateBatchPrediction(ts.viewer, store.NewBatchPrediction{ModelID: ts.model, InputKey: key})
	if err != nil {
		return res, err
	}
	loadBefore := loadAverage()
	start, cpu0 := time.Now(), selfCPU()
	if err := ts.batcher.Run(ctx, job.ID); err != nil {
		return res, err
	}
	res.job, res.jobCPU = time.Since(start), selfCPU()-cpu0
	loadAfter := loadAverage()
	done, err := ts.st.GetBatchPrediction(store.SystemContext(ctx), job.ID)
	if err != nil {
		return res, err
	}
	if done.State != store.BatchSucceeded || done.RowsProcessed != int64(n) {
		return res, fmt.Errorf("batch job ended %s with %d rows: %s", done.State, done.RowsProcessed, done.Error)
	}
	p, err := model.NewPredictor(art)
	if err != nil {
		return res, err
	}
	rec, err := p.Bind(header)
	if err != nil {
		return res, err
	}
	recs := make([][]string, 0, 200_000)
	for i := range cap(recs) {
		recs = append(recs, rows[i%len(rows)])
	}
	start, cpu0 = time.Now(), selfCPU()
	if _, err := rec.PredictBatch(ctx, recs); err != nil {
		return res, err
	}
	res.predict, res.predictCPU, res.predictN = time.Since(start), selfCPU()-cpu0, len(recs)
	input := "unquoted"
	if quoted != nil {
		input = "column " + quoted.name + " quoted"
	}
	fmt.Printf("batch (%s): %d rows (%d MB) in %v end to end = %.0f rows/s (%.0f rows per CPU-second; load average %s before, %s after); PredictBatch alone %.0f rows/s (%.0f per CPU-second)\n",
		input, n, res.inputBytes>>20, res.job.Round(time.Millisecond), float64(n)/res.job.Seconds(), float64(n)/res.jobCPU.Seconds(), loadBefore, loadAfter,
		float64(res.predictN)/res.predict.Seconds(), float64(res.predictN)/res.predictCPU.Seconds())
	return res, nil
}
