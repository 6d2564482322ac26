// Package onnx writes trained models as ONNX files that onnxruntime (or any
// ONNX runtime with the ai.onnx.ml operators) evaluates like the Go
// predictor.
//
// The protobuf is written field by field with protowire and the field
// numbers of onnx.proto3 (see proto.go); no generated code is involved.
// Defaults: IR version 8, ai.onnx opset 17, ai.onnx.ml opset 3.
//
// # Graph
//
// Every table column the model reads is one graph input named after the
// column, shaped [N, 1]: float for numeric and boolean columns (booleans as
// 0/1), string for categorical ones. The preprocessing that ONNX can
// express is part of the graph (see Feature): Imputer (NaN, and ±Inf when
// asked), IsNaN/IsInf/Or/Cast for missing indicators and Scaler for
// numbers; LabelEncoder for category codes (NaN for a missing or unseen
// string) and target encoding; LabelEncoder + OneHotEncoder + Reshape for
// one-hot; then one Concat into an [N, F] float tensor. What ONNX cannot
// express is done by the caller before the graph: parsing datetimes (their
// derived parts are float inputs of their own), cleaning or tokenizing
// text, parsing number cells, and trimming spaces around category strings.
//
// Outputs: a classifier gives `label` (string [N], the class labels
// themselves) and `probabilities` (float [N, K], classes in the order of
// Spec.Classes, which is sorted by label string), with no ZipMap; a
// regression gives `value` (float [N, 1]). The class list is also stored in
// the metadata_props entry "classes" (a JSON array).
//
// # Trees
//
// A gbdt.Model becomes a TreeEnsembleClassifier or TreeEnsembleRegressor:
// numerical splits are BRANCH_LEQ with the left child as the true branch and
// nodes_missing_value_tracks_true set to the learned missing direction; the
// threshold is the largest float32 not above the Go threshold, so on float32
// input `x <= t` decides exactly as the Go predictor does on the same
// float32 value. Categorical set splits become chains of BRANCH_EQ nodes
// (one per category going left, all true branches pointing to the left
// child), which onnxruntime evaluates as a set membership; a category code
// is compared as a float, so codes must be integers (the LabelEncoder
// guarantees it for string columns). The initial scores are folded into the
// leaves of the first tree of each output. Binary boosting uses one class
// id with LOGISTIC (onnxruntime then returns [1-p, p]; its own label output
// is not used, see Blend, because onnxruntime derives it from the raw score
// with a rule that is wrong when all weights are positive); multiclass uses
// class id = tree index mod K with SOFTMAX; a random forest's averaged
// probabilities use NONE (a binary forest keeps one class id and needs
// non-negative leaf values, which onnxruntime requires to return [1-p, p]).
// A two-class ensemble's label is the ArgMax of its probabilities mapped by
// a LabelEncoder. Scores are summed in float32 by onnxruntime, so results
// agree with the float64 Go predictor to about 1e-6 relative.
//
// # Blends
//
// Blend exports a weighted average of several models over shared inputs:
// each part has its own preprocessing branch and model node, the outputs
// are combined with Mul and Sum, and the label is ArgMax + LabelEncoder.
//
// A two-class model with a decision threshold (Options.Threshold) takes the
// same blended path, even as a single model, and its label index is
// Gather (the second class's probability) + GreaterOrEqual (against the
// threshold as float32) + Cast to int64 instead of ArgMax.
//
// The ai.onnx.ml opset 5 TreeEnsemble operator (with BRANCH_MEMBER sets) is
// not used: onnxruntime rejects TreeEnsembleClassifier under opset 5, and
// the opset 3 operators run on every onnxruntime release of the last years.
//
// # Images
//
// Image exports an image classifier with one input, `image`, float
// [N, C, H, W]: the tensor image.Tensor makes of a picture (values in
// [0, 1], R, G, B planes or one luminance plane; ImagePreprocessing words
// it, and the model's doc string carries it). The network is Conv, Relu,
// MaxPool, Flatten and Gemm; the pixel baseline one Gemm. The outputs are
// those of a classifier.
//
// # Linear models
//
// A linear.Model becomes a LinearRegressor, or a LinearClassifier: binary as
// coefficient rows [-w; w] and intercepts [-b, b] with LOGISTIC (so the two
// scores are 1-p and p), multinomial with SOFTMAX.
package onnx

import "encoding/json"

// jsonStrings returns the JSON array of ss.
func jsonStrings(ss []string) string {
	b, err := json.Marshal(ss)
	if err != nil {
		return "[]"
	}
	return string(b)
}
