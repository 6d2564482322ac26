package prep_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/prep"
)

func ExampleFitTransform() {
	train := "size,color,price\n" +
		"10,red,100\n12,blue,130\n,red,95\n15,green,160\n11,red,105\n"
	f, _ := frame.Read(context.Background(), strings.NewReader(train), frame.ReadOptions{})
	fit, err := prep.FitTransform(context.Background(), f, prep.Options{Target: "price"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fit.Pipeline.Label.Task, fit.X.Names, fit.X.Categorical)
	fmt.Println("size:", fit.X.Cols[0])
	fmt.Println("color codes:", fit.X.Cols[1]) // red is the most frequent level

	// One row at prediction time; "purple" was never seen.
	x, _, err := fit.Pipeline.EncodeMap(map[string]any{"size": 13.0, "color": "purple"}, nil, nil)
	fmt.Println(x, err)
	// Output:
	// regression [size color] [false true]
	// size: [10 12 NaN 15 11]
	// color codes: [0 1 0 2 0]
	// [13 NaN] <nil>
}
