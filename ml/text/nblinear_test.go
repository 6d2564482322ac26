package text

import (
	"context"
	"math"
	"testing"
)

// TestBayesLinearMatchesBayes checks that the linear form of naive Bayes
// gives the probabilities of the model itself, for both variants, two and
// three classes, and that columns with negative values get no weight.
func TestBayesLinearMatchesBayes(t *testing.T) {
	docs, labels := loadSMS(t, 600)
	v, err := Fit(Config{WordMax: 2, Sublinear: true, MinDF: 2}, docs)
	if err != nil {
		t.Fatal(err)
	}
	x := v.Transform(docs)
	y2 := make([]int, len(labels))
	y3 := make([]int, len(labels))
	for i, l := range labels {
		if l == "spam" {
			y2[i] = 1
		}
		y3[i] = y2[i]
		if i%5 == 0 && l != "spam" {
			y3[i] = 2 // a third class of some ham rows
		}
	}
	for _, kind := range []NBKind{Multinomial, Complement} {
		for _, tc := range []struct {
			y []int
			k int
		}{{y2, 2}, {y3, 3}} {
			nb, err := FitNaiveBayes(kind, x, tc.y, tc.k, 0.3)
			if err != nil {
				t.Fatal(err)
			}
			lin, err := FitBayesLinear(x, tc.y, tc.k, kind, 0.3)
			if err != nil {
				t.Fatal(err)
			}
			if lin.Family != string(kind)+"_nb" {
				t.Errorf("FitBayesLinear(%s).Family = %q, want %q", kind, lin.Family, string(kind)+"_nb")
			}
			want, got := nb.PredictProba(x), lin.PredictProba(x)
			for i := range want {
				for c := range want[i] {
					if math.Abs(want[i][c]-got[i][c]) > 1e-9 {
						t.Fatalf("%s, %d classes: row %d class %d: linear %v, naive Bayes %v", kind, tc.k, i, c, got[i][c], want[i][c])
					}
				}
			}
		}
	}
	// A stacked column with negative values is left out of the fit and gets
	// zero weight; the text columns are fit as without it.
	neg := make([][]float64, x.Rows)
	for i := range neg {
		neg[i] = []float64{float64(i%7) - 3}
	}
	d := FromDense(neg)
	d.Cols = 1
	lin, err := FitBayesLinear(HStack(x, d), y2, 2, Complement, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if w := lin.Coef[0][x.Cols]; w != 0 {
		t.Errorf("weight of a column with negative values = %v, want 0", w)
	}
	plain, _ := FitBayesLinear(x, y2, 2, Complement, 0.3)
	for j := range x.Cols {
		if math.Abs(plain.Coef[0][j]-lin.Coef[0][j]) > 1e-12 {
			t.Fatalf("text weight %d = %v with the stacked column, %v without", j, lin.Coef[0][j], plain.Coef[0][j])
		}
	}
}

// TestRidgeRecovers fits ridge on sparse rows generated from known weights
// and checks the fit predicts held-out rows closely on the target's scale.
func TestRidgeRecovers(t *testing.T) {
	const n, d = 3000, 40
	rows := make([][]float64, n)
	y := make([]float64, n)
	for i := range rows {
		r := make([]float64, d)
		s := 500.0
		for j := range r {
			if (i*7+j*13)%5 == 0 {
				r[j] = float64((i+j)%4) + 1
				s += 10 * float64(j%5-2) * r[j]
			}
		}
		rows[i] = r
		y[i] = s + 3*math.Sin(float64(i)) // a little noise
	}
	x := FromDense(rows)
	x.Cols = d
	train := make([]int, 2500)
	for i := range train {
		train[i] = i
	}
	test := make([]int, n-2500)
	for i := range test {
		test[i] = 2500 + i
	}
	m, err := FitRidge(context.Background(), x.SelectRows(train), y[:2500], RidgeParams{Alpha: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if m.NumClasses != 1 || m.Family != "ridge" {
		t.Fatalf("FitRidge = %d outputs, family %q; want 1, ridge", m.NumClasses, m.Family)
	}
	var se, sv, mean float64
	for _, v := range y[2500:] {
		mean += v / float64(len(test))
	}
	for i, p := range m.PredictProba(x.SelectRows(test)) {
		e := p[0] - y[2500+i]
		se += e * e
		sv += (y[2500+i] - mean) * (y[2500+i] - mean)
	}
	if r2 := 1 - se/sv; r2 < 0.99 {
		t.Errorf("ridge held-out R² = %.4f, want at least 0.99", r2)
	}
}
