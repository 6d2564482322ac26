package onnx

import (
	"fmt"

	"github.com/trainyard/trainyard/ml/image"
)

// ImageInput is the name of an image classifier's graph input.
const ImageInput = "image"

// Image exports an image classifier: its one input `image` is float
// [N, C, H, W], the tensor image.Tensor makes of each picture (see
// ImagePreprocessing, also stored as the model's doc string), and its
// outputs are those of any classifier, `label` and `probabilities` in
// c.Classes order (sorted by label string, as FitClassifier makes them).
//
// A network becomes Conv (3×3, pads 1) + Relu + MaxPool (2×2, stride 2,
// which drops an odd last row or column as the Go pooling does) per block,
// Flatten, Gemm + Relu for the hidden layer, and Gemm for the output
// scores. The pixel baseline becomes one Gemm over the flattened tensor,
// its box-average downscale folded into the weights (see
// image.Classifier.PixelAffine); with two classes its scores are [0, z],
// whose softmax is [1-σ(z), σ(z)] as the logistic model gives. A Softmax
// turns the scores into probabilities, then opt's calibration and threshold
// apply as in Blend.
func Image(c *image.Classifier, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	if c == nil {
		return nil, fmt.Errorf("export image model: no classifier")
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("export image model: %w", err)
	}
	if err := opt.checkDecision(len(c.Classes)); err != nil {
		return nil, fmt.Errorf("export image model: %w", err)
	}
	b := newGraphBuilder()
	for _, n := range []string{ImageInput, "label", "probabilities"} {
		b.used[n] = true
	}
	s := c.Shape
	b.g.Inputs = append(b.g.Inputs, ValueInfo{Name: ImageInput, ElemType: Float,
		Shape: []Dim{{Param: "N"}, {Value: int64(s.Channels)}, {Value: int64(s.Height)}, {Value: int64(s.Width)}}})
	var scores string
	var err error
	if c.Net != nil { // the network predicts when there is one, as in PredictTensors
		scores, err = b.net(c.Net, ImageInput)
	} else {
		scores, err = b.pixels(c, ImageInput)
	}
	if err != nil {
		return nil, fmt.Errorf("export image model: %w", err)
	}
	probs := b.probabilities(opt)
	b.node("Softmax", "", []string{scores}, []string{probs}, Int("axis", 1))
	b.classify(probs, c.Classes, opt)
	b.classifierOutputs(len(c.Classes))
	b.g.Name = "trainyard"
	m := opt.model(b.g, c.Classes)
	m.Doc = ImagePreprocessing(s)
	return m, nil
}

// ImagePreprocessing describes how a picture becomes the `image` input of
// shape s, as image.Tensor does it.
func ImagePreprocessing(s image.Shape) string {
	planes := "3 planes, R, G, B, each byte / 255"
	if s.Channels == 1 {
		planes = "1 plane of luminance (0.299 R + 0.587 G + 0.114 B) / 255"
	}
	return fmt.Sprintf("Input %q: float32 [N, %d, %d, %d] (N, channels, height, width). Each picture is "+
		"decoded (the first frame of a GIF), composited on black where transparent, scaled to %d×%d pixels "+
		"with bilinear interpolation (the aspect ratio is not kept; pictures already %d×%d are not resampled), "+
		"and laid out channel-major, rows top to bottom, as %s: values in [0, 1].",
		ImageInput, s.Channels, s.Height, s.Width, s.Width, s.Height, s.Width, s.Height, planes)
}

// net adds the layers of n reading x ([N, C, H, W]) and returns the name of
// the class scores ([N, K]).
func (b *graphBuilder) net(n *image.Net, x string) (string, error) {
	convs, hidden, out, err := n.Layers()
	if err != nil {
		return "", err
	}
	cur := x
	for _, l := range convs {
		w := b.floats("conv_weight", []int64{int64(l.Out), int64(l.In), 3, 3}, l.W)
		bias := b.floats("conv_bias", []int64{int64(l.Out)}, l.B)
		conv, relu, pool := b.name("conv"), b.name("conv_relu"), b.name("pool")
		b.node("Conv", "", []string{cur, w, bias}, []string{conv}, Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
		b.node("Relu", "", []string{conv}, []string{relu})
		b.node("MaxPool", "", []string{relu}, []string{pool}, Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
		cur = pool
	}
	flat := b.name("flat")
	b.node("Flatten", "", []string{cur}, []string{flat}, Int("axis", 1))
	cur = flat
	if hidden.Out > 0 {
		relu := b.name("hidden_relu")
		b.node("Relu", "", []string{b.dense(cur, hidden, "hidden")}, []string{relu})
		cur = relu
	}
	return b.dense(cur, out, "scores"), nil
}

// pixels adds the pixel baseline of c reading x ([N, C, H, W]) and returns
// the name of the class scores ([N, K]).
func (b *graphBuilder) pixels(c *image.Classifier, x string) (string, error) {
	w, bias, err := c.PixelAffine()
	if err != nil {
		return "", err
	}
	if len(w) == 1 { // the log-odds z of the second class: scores [0, z]
		w = [][]float64{make([]float64, len(w[0])), w[0]}
		bias = []float64{0, bias[0]}
	}
	l := image.Layer{In: len(w[0]), Out: len(w), W: make([]float32, 0, len(w)*len(w[0])), B: make([]float32, len(bias))}
	for _, row := range w {
		for _, v := range row {
			l.W = append(l.W, float32(v))
		}
	}
	for i, v := range bias {
		l.B[i] = float32(v)
	}
	flat := b.name("flat")
	b.node("Flatten", "", []string{x}, []string{flat}, Int("axis", 1))
	return b.dense(flat, l, "scores"), nil
}

// dense adds Gemm(x, Wᵀ, B) for dense layer l and returns the name of its
// output.
func (b *graphBuilder) dense(x string, l image.Layer, base string) string {
	wn := b.floats(base+"_weight", []int64{int64(l.Out), int64(l.In)}, l.W)
	bn := b.floats(base+"_bias", []int64{int64(l.Out)}, l.B)
	out := b.name(base)
	b.node("Gemm", "", []string{x, wn, bn}, []string{out}, Int("transB", 1))
	return out
}

// floats adds a float initializer of shape dims and returns its name.
func (b *graphBuilder) floats(base string, dims []int64, v []float32) string {
	n := b.name(base)
	b.g.Initializers = append(b.g.Initializers, Tensor{Name: n, Dims: dims, DataType: Float, Floats: v})
	return n
}
