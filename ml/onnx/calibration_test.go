package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/linear"
)

// TestBlendTemperature checks which models take a temperature scaling and
// that the graph of a three-class model applies it (Max, Log, Div, Softmax)
// before the label; onnxruntime parity is checked in ml/model.
func TestBlendTemperature(t *testing.T) {
	cols := []Column{{Name: "x"}}
	three := &linear.Model{Task: linear.Multiclass, NumFeatures: 1, NumClasses: 3,
		Coefficients: [][]float64{{1}, {0}, {-1}}, Intercepts: []float64{0, 0, 0}}
	two := &linear.Model{Task: linear.Binary, NumFeatures: 1, NumClasses: 2, Coefficients: [][]float64{{1}}, Intercepts: []float64{0}}
	feats := []Feature{{Kind: Number, Column: 0}}
	for _, c := range []struct {
		m    *linear.Model
		cal  Calibration
		want string
	}{
		{two, Calibration{Temperature: 2}, "three classes or more"},
		{three, Calibration{Temperature: -1}, "finite positive temperature"},
		{three, Calibration{Temperature: math.Inf(1)}, "finite positive temperature"},
		{three, Calibration{A: 1, Temperature: 2}, "no slope or intercept"},
		{three, Calibration{A: 1}, "want two classes"},
	} {
		classes := []string{"a", "b", "c"}[:c.m.NumClasses]
		_, err := Blend(cols, classes, []Part{{Weight: 1, Features: feats, Linear: c.m}}, Options{Calibration: &c.cal})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Blend(%d classes, calibration %+v) = %v, want an error with %q", c.m.NumClasses, c.cal, err, c.want)
		}
	}
	m, err := Blend(cols, []string{"a", "b", "c"}, []Part{{Weight: 1, Features: feats, Linear: three}}, Options{Calibration: &Calibration{Temperature: 2}})
	if err != nil {
		t.Fatalf("Blend(temperature 2) = %v", err)
	}
	var ops []string
	for _, n := range m.Graph.Nodes {
		ops = append(ops, n.OpType)
	}
	if got, want := strings.Join(ops, " "), "Max Log Div Softmax ArgMax LabelEncoder"; !strings.HasSuffix(got, want) {
		t.Errorf("Blend(temperature 2) nodes %q, want them to end with %q", got, want)
	}
}
