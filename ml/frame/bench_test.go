package frame

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/trainyard/trainyard/ml/internal/datasets"
)

// BenchmarkReadAdult parses adult.csv (32,561 x 15, 3.5 MB) from memory, with
// the size hint that ReadFile passes.
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
	for b.Loop() {
		if _, err := Read(context.Background(), bytes.NewReader(data), ReadOptions{SizeHint: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
	}
}
