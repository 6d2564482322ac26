package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/linear"
)

func TestCeilFloat32(t *testing.T) {
	for _, v := range []float64{0.1, 0.2, 0.3, 0.5, 1, 1e-9, 0.7000000001} {
		got := ceilFloat32(v)
		below := math.Nextafter32(got, float32(math.Inf(-1)))
		if float64(got) < v || float64(below) >= v {
			t.Errorf("ceilFloat32(%v) = %v, want the smallest float32 >= it", v, got)
		}
	}
}

func TestBlendThresholdErrors(t *testing.T) {
	cols := []Column{{Name: "x"}}
	lin := &linear.Model{Task: linear.Binary, NumFeatures: 1, NumClasses: 2, Coefficients: [][]float64{{1}}, Intercepts: []float64{0}}
	parts := []Part{{Weight: 1, Features: []Feature{{Kind: Number, Column: 0}}, Linear: lin}}
	for _, c := range []struct {
		classes []string
		opt     Options
		want    string
	}{
		{[]string{"a", "b", "c"}, Options{Threshold: 0.3}, "only two-class"},
		{nil, Options{Threshold: 0.3}, "only two-class"},
		{[]string{"a", "b"}, Options{Threshold: 1.2}, "outside"},
		{[]string{"a", "b"}, Options{Threshold: -1}, "outside"},
		{[]string{"a", "b"}, Options{Threshold: 0.3, Opset: 11}, "opset 12"},
	} {
		if _, err := Blend(cols, c.classes, parts, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Blend(%d classes, %+v) = %v, want an error with %q", len(c.classes), c.opt, err, c.want)
		}
	}
	m, err := Blend(cols, []string{"a", "b"}, parts, Options{Threshold: 0.3})
	if err != nil {
		t.Fatalf("Blend(threshold 0.3) = %v", err)
	}
	ops := map[string]bool{}
	for _, n := range m.Graph.Nodes {
		ops[n.OpType] = true
	}
	for _, op := range []string{"Gather", "GreaterOrEqual", "Cast", "LabelEncoder"} {
		if !ops[op] {
			t.Errorf("Blend(threshold 0.3) has no %s node; nodes: %v", op, ops)
		}
	}
	if ops["ArgMax"] {
		t.Errorf("Blend(threshold 0.3) labels with ArgMax")
	}
}
