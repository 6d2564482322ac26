package serving

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/train"
)

// cpuTime returns the process's user+system CPU time: on a shared machine CPU time per row
// says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStream streams 200,000 spambase rows (57 numeric inputs and the class) through a
// 100-tree GBDT, from CSV text in memory to a discarded output: the batch job without the blob
// store. The class is written bare, and quoted as spambase.csv ships it ("spam").
func BenchmarkStream(b *testing.B) {
	path := datasets.MustPath(b, "spambase.csv")
	f, err := frame.ReadFile(context.Background(), path, frame.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := train.Train(context.Background(), f, train.Options{Target: "type", Learners: []string{"gbdt"}, Seed: 1,
		Params: map[string]string{"num_iterations": "100", "num_leaves": "31", "learning_rate": "0.1", "min_data_in_leaf": "20"}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := model.NewPredictor(res.Artifact)
	if err != nil {
		b.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	recs, err := csv.NewReader(file).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		class func(string) string
	}{
		{"bare-class", func(c string) string { return c }},
		{"quoted-class", func(c string) string { return `"` + c + `"` }},
	} {
		b.Run(c.name, func(b *testing.B) {
			const rows = 200_000
			var in strings.Builder
			in.WriteString(strings.Join(recs[0], ",") + "\n")
			for i := range rows {
				r := recs[1+i%(len(recs)-1)]
				in.WriteString(strings.Join(r[:len(r)-1], ",") + "," + c.class(r[len(r)-1]) + "\n")
			}
			benchStream(b, p, in.String(), rows)
		})
	}
}

// benchStream streams input, a CSV of rows records, to a discarded output, reporting rows per
// second and CPU time per row.
func benchStream(b *testing.B, p *model.Predictor, input string, rows int) {
	bt := &Batcher{chunkRows: BatchChunk}
	start := cpuTime()
	for b.Loop() {
		var n atomic.Int64
		if err := bt.stream(context.Background(), p, strings.NewReader(input), io.Discard, &n); err != nil || n.Load() != int64(rows) {
			b.Fatalf("stream = %v after %d rows, want %d rows", err, n.Load(), rows)
		}
	}
	total := float64(b.N * rows)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpuTime()-start)/total, "cpu-ns/row")
}
