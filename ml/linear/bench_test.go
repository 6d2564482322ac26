package linear

import (
	"context"
	"fmt"
	"testing"
)

// The benchmarks fit on a real 20000-row, 26-class dataset and a
// generated 100k-row binary problem; they do not run with plain go test.

func BenchmarkFitLetterMulticlass(b *testing.B) {
	x, y := loadStandardized(&testing.T{}, "letter_recognition.csv", "lettr", Multiclass)
	p := Params{Task: Multiclass, L2: 1 / float64(len(y)), Tol: 1e-4}
	for b.Loop() {
		m, err := Fit(context.Background(), x, y, nil, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Iterations), "iters")
	}
}

func BenchmarkFitBinary100k(b *testing.B) {
	x, y, _ := randomProblem(1, 100_000, 30, 2, Binary)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := Params{Task: Binary, L2: 1e-5, Workers: workers}
			for b.Loop() {
				m, err := Fit(context.Background(), x, y, nil, p)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(m.Iterations), "iters")
			}
		})
	}
}

func BenchmarkPredictProbaRow(b *testing.B) {
	x, y, _ := randomProblem(1, 2000, 30, 5, Multiclass)
	m, err := Fit(context.Background(), x, y, nil, Params{Task: Multiclass, NumClasses: 5, L2: 1e-3})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]float64, 30)
	out := make([]float64, 5)
	for b.Loop() {
		m.PredictProba(row, out)
	}
}
