package gbdt

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkHistAll8(b *testing.B) {
	const n = 200000
	rng := rand.New(rand.NewPCG(1, 2))
	col := make([]uint8, n)
	g, h := make([]float32, n), make([]float32, n)
	for i := range col {
		col[i] = uint8(rng.IntN(255))
		g[i], h[i] = rng.Float32(), rng.Float32()
	}
	var hist [512]float64
	for b.Loop() {
		histAll8(col, g, h, &hist)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/cell")
}

func BenchmarkHistIdx8(b *testing.B) {
	const n = 200000
	rng := rand.New(rand.NewPCG(1, 2))
	col := make([]uint8, 2*n)
	idx := make([]int32, n)
	g, h := make([]float32, n), make([]float32, n)
	for i := range col {
		col[i] = uint8(rng.IntN(255))
	}
	for i := range idx {
		idx[i] = int32(2*i + rng.IntN(2))
		g[i], h[i] = rng.Float32(), rng.Float32()
	}
	var hist [512]float64
	for b.Loop() {
		histIdx8(col, idx, g, h, &hist)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/cell")
}

func BenchmarkTrainBinary50k(b *testing.B) {
	d := synth(50000, 51)
	p := mustParams(b, "binary", "num_iterations=20")
	bd, err := NewBinned(d, p)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := TrainBinned(b.Context(), p, bd, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
