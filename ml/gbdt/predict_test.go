package gbdt

import (
	"testing"
)

func benchModel(b *testing.B) (*Model, *Dataset) {
	d := synth(50000, 21)
	p := mustParams(b, "binary", "num_iterations=100")
	return mustTrain(b, p, d, Options{}), d
}

func BenchmarkPredictSingle(b *testing.B) {
	m, d := benchModel(b)
	x := make([]float64, len(d.Features))
	out := make([]float64, 1)
	i := 0
	for b.Loop() {
		for j := range x {
			x[j] = d.Features[j].Values[i]
		}
		m.Predict(x, out)
		i = (i + 1) % d.NumRows()
	}
}

func BenchmarkPredictBatch(b *testing.B) {
	m, d := benchModel(b)
	for b.Loop() {
		if _, err := m.PredictDataset(d, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*d.NumRows())/b.Elapsed().Seconds(), "rows/s")
}
