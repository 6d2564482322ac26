// Package gbdt trains and evaluates histogram gradient-boosted decision trees
// in the manner of LightGBM: values are binned once (GreedyFindBin, zero in its
// own bin, a NaN bin), trees grow leaf-wise from float64 histograms of float32
// gradients, and the sibling histogram of a split is the parent minus the
// smaller child.
//
// Objectives: binary (logloss), multiclass (softmax, one tree per class per
// iteration) and regression (L2). Parameters carry LightGBM's names and
// defaults (see Params). The result is a Model: exported, JSON-serializable
// trees with raw-value thresholds, used by the Go predictor, ONNX export and
// TreeSHAP alike.
//
// Missing values: a numerical feature with NaN in the training data gets a
// NaN bin, and every split on it learns whether NaN goes left or right (both
// are tried). A NaN at prediction time in a feature that had no NaN in
// training goes where 0 goes (LightGBM's rule); the trainer writes that
// direction into Node.DefaultLeft, so predictors need no special case.
// Categorical features: NaN, negative, rare (beyond max_bin-1 categories)
// and unseen codes always go right.
//
// Training is deterministic for a given seed and does not depend on the
// number of threads: work is split by feature (histograms) or by row ranges
// whose results are combined in a fixed order.
//
// The package depends on nothing else in the module: it reads column-major
// float64 features (NaN = missing; categorical columns hold codes 0..k-1).
package gbdt

// Dataset is column-major training or validation data.
type Dataset struct {
	// Features are the input columns; all have the same length.
	Features []Feature
	// Label per row: 0/1 for binary, 0..K-1 for multiclass, any value for regression.
	Label []float64
	// Weight per row; nil means all 1.
	Weight []float64
}

// Feature is one input column.
type Feature struct {
	// Name of the column.
	Name string
	// Values per row; NaN means missing.
	Values []float64
	// Categorical marks a column of category codes 0..k-1 (negative or NaN = missing).
	Categorical bool
}

// NumRows returns the number of rows of d.
func (d *Dataset) NumRows() int {
	if len(d.Features) > 0 {
		return len(d.Features[0].Values)
	}
	return len(d.Label)
}
