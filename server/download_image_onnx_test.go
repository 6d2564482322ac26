package server_test

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/onnx"
	"github.com/trainyard/trainyard/ml/onnx/ortcheck"
)

// TestDownloadImageModelONNX deploys a small image network with its ONNX
// export and downloads GET /api/v1/models/{id}/download?format=onnx: the
// file is the export, and onnxruntime, given the tensors of test pictures,
// labels them as the served model does.
func TestDownloadImageModelONNX(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	train := fashionImages(t, "train", 6)
	x, shape, err := image.Tensors(train, image.Shape{})
	if err != nil {
		t.Fatal(err)
	}
	c := &image.Classifier{Shape: shape, Learner: "cnn"}
	for _, e := range train {
		c.Classes = append(c.Classes, e.Label)
	}
	slices.Sort(c.Classes)
	c.Classes = slices.Compact(c.Classes)
	y := make([]int, len(train))
	for i, e := range train {
		y[i], _ = slices.BinarySearch(c.Classes, e.Label)
	}
	c.Net, err = image.NewNet(image.Arch{Channels: shape.Channels, Height: shape.Height, Width: shape.Width, Blocks: []int{4}, Hidden: 8, Classes: len(c.Classes)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Net.Train(context.Background(), x, y, image.TrainParams{Epochs: 2, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	art, err := model.NewImage(c, model.Training{Rows: len(train)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := art.ONNX(model.ONNXOptions{})
	if err != nil {
		t.Fatalf("ONNX() = %v", err)
	}
	m := h.deploy(owner, art)

	res, body := h.get(t, h.base+"/api/v1/models/"+m.ID.String()+"/download?format=onnx", owner.key)
	if res.StatusCode != 200 || !bytes.Equal(body, want) || !strings.HasSuffix(res.Header.Get("Content-Disposition"), ".onnx") {
		t.Fatalf("GET download?format=onnx = %d, %d bytes, %q; want 200, the %d bytes of the export, a .onnx name",
			res.StatusCode, len(body), res.Header.Get("Content-Disposition"), len(want))
	}

	test := fashionImages(t, "test", 2)
	xt, _, err := image.Tensors(test, shape)
	if err != nil {
		t.Fatal(err)
	}
	in := ortcheck.Input{Name: onnx.ImageInput, Shape: []int{len(xt), shape.Channels, shape.Height, shape.Width}}
	for _, v := range xt {
		in.Floats = append(in.Floats, v...)
	}
	r := ortcheck.Run(t, []ortcheck.Case{{Model: body, Inputs: []ortcheck.Input{in}}})[0]
	if r.Err != "" {
		t.Fatalf("onnxruntime: %s", r.Err)
	}
	k := len(c.Classes)
	labels, probs := r.Outputs["label"].Strings, r.Outputs["probabilities"].Floats
	if len(labels) != len(test) || len(probs) != len(test)*k {
		t.Fatalf("onnxruntime gave %d labels and %d probabilities for %d images of %d classes", len(labels), len(probs), len(test), k)
	}
	for i, e := range test {
		var d model.Prediction
		if err := art.PredictImage(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		for j, p := range d.Probabilities {
			if math.Abs(float64(probs[i*k+j])-p) > 1e-5 {
				t.Errorf("%s: onnx probability of %s %v, served model %v", e.Name, c.Classes[j], probs[i*k+j], p)
			}
		}
		if labels[i] != d.Label {
			t.Errorf("%s: onnx label %q, served model %q", e.Name, labels[i], d.Label)
		}
	}
}
