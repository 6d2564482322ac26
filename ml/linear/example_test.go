package linear_test

import (
	"context"
	"fmt"

	"github.com/trainyard/trainyard/ml/linear"
)

func ExampleFit() {
	// Two feature columns (column-major) and binary labels.
	x := [][]float64{
		{-2, -1, -0.5, 0.5, 1, 2},
		{0, 1, 0, 1, 0, 1},
	}
	y := []float64{0, 0, 1, 0, 1, 1}
	m, err := linear.Fit(context.Background(), x, y, nil, linear.Params{Task: linear.Binary, L2: 0.1})
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, m.NumOutputs())
	m.PredictProba([]float64{1.5, 0}, proba)
	fmt.Printf("P(class 1) = %.3f, class %v\n", proba[1], m.Predict([]float64{1.5, 0}))
	// scikit-learn, LogisticRegression(C=1/(0.1*6)), gives 0.8716.

	// Output: P(class 1) = 0.872, class 1
}
