package analyze

import (
	"context"
	"testing"
)

// BenchmarkAnalyzeWide analyzes the widest shared dataset (74 columns).
func BenchmarkAnalyzeWide(b *testing.B) {
	fr := loadSample(b, "ames_housing.csv")
	a := New(nil)
	for b.Loop() {
		a.Analyze(context.Background(), "how much will a house sell for", fr)
	}
}
