//go:build unix

package frame

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ml/datasets"
)

// cpuTime is the user plus system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadAdult parses adult.csv (32,561 x 15, 3.5 MB) from memory, with
// the size hint that ReadFile passes. Besides wall time it reports CPU time
// per read (cpu-ns/op), which a busy machine distorts less.
func BenchmarkReadAdult(b *testing.B) {
	p, err := datasets.Path("adult.csv")
	if err != nil {
		b.Skip(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := Read(context.Background(), bytes.NewReader(data), ReadOptions{SizeHint: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
