package model

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time: on a shared machine
// CPU time per row says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU nanoseconds per row and the rows per second two
// fully available cores would reach at that cost.
func reportCPU(b *testing.B, start time.Duration, rows int) {
	per := float64(cpuTime()-start) / float64(rows)
	b.ReportMetric(per, "cpu-ns/row")
	b.ReportMetric(2e9/per, "rows/s@2cores")
}

// The benchmarks use a 100-tree GBDT on telco_churn (19 input columns,
// numeric and categorical; 7043 rows).

func benchArtifact(b *testing.B) (*Artifact, *table) {
	b.Helper()
	a, tb, _ := treesArtifact(b, "telco_churn.csv", "churn", 100)
	if n := len(a.Members[0].Trees.Trees); n != 100 {
		b.Fatalf("model has %d trees, want 100", n)
	}
	return a, tb
}

func BenchmarkPredictRecord(b *testing.B) {
	a, tb := benchArtifact(b)
	p, _ := NewPredictor(a)
	rec, err := p.Bind(tb.header)
	if err != nil {
		b.Fatal(err)
	}
	var d Prediction
	i := 0
	var start time.Duration
	for b.Loop() {
		if i == 0 {
			start = cpuTime()
		}
		if err := rec.Predict(tb.recs[i%len(tb.recs)], &d); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportCPU(b, start, i)
}

func BenchmarkPredictMap(b *testing.B) {
	a, tb := benchArtifact(b)
	p, _ := NewPredictor(a)
	rows := make([]map[string]any, 256)
	for i := range rows {
		rows[i] = map[string]any{}
		for j, h := range tb.header {
			rows[i][h] = tb.recs[i][j]
		}
	}
	var d Prediction
	i := 0
	for b.Loop() {
		if err := p.PredictMap(rows[i%len(rows)], &d); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPredictBatch also runs on spambase (57 numeric inputs), whose
// records go straight from cells to tree keys (see Record.putKeys).
func BenchmarkPredictBatch(b *testing.B) {
	b.Run("telco_churn.csv", func(b *testing.B) {
		a, tb := benchArtifact(b)
		benchmarkBatch(b, a, tb, (*Record).PredictBatch)
	})
	b.Run("spambase.csv", func(b *testing.B) {
		a, tb, _ := treesArtifact(b, "spambase.csv", "type", 100)
		benchmarkBatch(b, a, tb, (*Record).PredictBatch)
	})
}

// BenchmarkPredictBatchColumns is the column path (encode all rows, then
// each member over all columns), which models with text members take: the
// reference for the block path of BenchmarkPredictBatch.
func BenchmarkPredictBatchColumns(b *testing.B) {
	a, tb := benchArtifact(b)
	benchmarkBatch(b, a, tb, (*Record).predictColumns)
}

func benchmarkBatch(b *testing.B, a *Artifact, tb *table, predict func(*Record, context.Context, [][]string) (*Batch, error)) {
	p, _ := NewPredictor(a)
	rec, _ := p.Bind(tb.header)
	var recs [][]string
	for len(recs) < 100000 {
		recs = append(recs, tb.recs...)
	}
	rows := 0
	start := cpuTime()
	for b.Loop() {
		out, err := predict(rec, context.Background(), recs)
		if err != nil || len(out.Errors) > 0 {
			b.Fatal(err, out.Errors)
		}
		rows += len(recs)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, start, rows)
}

func BenchmarkPredictFrame(b *testing.B) {
	a, tb := benchArtifact(b)
	p, _ := NewPredictor(a)
	rows := 0
	start := cpuTime()
	for b.Loop() {
		if _, err := p.PredictFrame(context.Background(), tb.frame); err != nil {
			b.Fatal(err)
		}
		rows += tb.frame.NRows()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	reportCPU(b, start, rows)
}

func BenchmarkExplain(b *testing.B) {
	a, tb := benchArtifact(b)
	p, _ := NewPredictor(a)
	rec, _ := p.Bind(tb.header)
	i := 0
	for b.Loop() {
		if _, err := rec.Explain(tb.recs[i%len(tb.recs)], 5); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkLoad(b *testing.B) {
	a, _ := benchArtifact(b)
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
	for b.Loop() {
		if _, err := Load(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTreeWalk times the compiled trees alone (treeSet.raw on keys
// encoded beforehand, blocks of blockRows rows) for a 100-tree GBDT on a
// mixed dataset (telco_churn), a mostly categorical one (adult), a numeric
// regression (california_housing) and a sparse numeric one with deep trees
// (spambase).
func BenchmarkTreeWalk(b *testing.B) {
	for _, c := range []struct{ file, target string }{
		{"telco_churn.csv", "churn"},
		{"adult.csv", "income"},
		{"california_housing.csv", "median_house_value"},
		{"spambase.csv", "type"},
	} {
		b.Run(c.file, func(b *testing.B) {
			a, tb, _ := treesArtifact(b, c.file, c.target, 100)
			p, err := NewPredictor(a)
			if err != nil {
				b.Fatal(err)
			}
			ts := p.members[0].ts
			if ts == nil {
				b.Fatal("model not compiled")
			}
			rec, err := p.Bind(tb.header)
			if err != nil {
				b.Fatal(err)
			}
			s := p.scratch.Get().(*scratch)
			st := ts.stride()
			n := min(len(tb.recs), 16*blockRows) / blockRows * blockRows
			keys := make([]uint32, n*st)
			for i := range n {
				if err := rec.encode(s, tb.recs[i]); err != nil {
					b.Fatal(err)
				}
				ts.setKeys(keys[i*st:(i+1)*st], s.x[0])
			}
			bb := p.newBlockBuf()
			out := make([]float64, blockRows*ts.k)
			rows := 0
			start := cpuTime()
			for b.Loop() {
				for lo := 0; lo < n; lo += blockRows {
					for r := range blockRows {
						copy(out[r*ts.k:(r+1)*ts.k], ts.init)
					}
					ts.raw(keys[lo*st:(lo+blockRows)*st], blockRows, &bb.walk, out)
				}
				rows += n
			}
			reportCPU(b, start, rows)
		})
	}
}
