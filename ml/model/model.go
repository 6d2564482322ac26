// Package model is the trained-model artifact and its predictor.
//
// # The artifact
//
// An Artifact is one self-describing file: the input schema, the fitted
// preprocessing pipelines (ml/prep), the learned models (one, or the
// weighted blend AutoML chose), the class labels, held-out metrics and
// training metadata. On disk it is gzip-compressed JSON (Save and Load;
// Load also accepts the uncompressed JSON). JSON was chosen over a binary
// encoding because every part of the engine is already plain JSON-able data,
// because it stays readable with `zcat | jq`, and because later versions can
// add fields that older readers skip. gzip brings a 100-tree GBDT on 19
// columns from 920 kB to 195 kB; decoding it with encoding/json takes tens
// of milliseconds (about 50 ms measured on a heavily shared machine), which
// a serving registry pays once per model load.
//
// Versioning: the top-level "format" is always "trainyard-model"; "version"
// is the format version that wrote the file and "min_reader_version" the
// oldest reader that can use it. A reader accepts any file whose
// min_reader_version is not above its own Version, ignoring fields it does
// not know; writers raise min_reader_version only for changes an older
// reader would misread. Version 2 added the decision threshold of binary
// classifiers ("threshold"): a file that sets one needs a version 2 reader
// (a version 1 reader would label its rows at 0.5), a file without one is
// still readable by version 1. Version 3 added the Platt calibration of
// binary classifiers ("calibration"): a file that sets one needs a version 3
// reader (an older one would return the uncalibrated probabilities and
// apply the threshold to them); a file without one keeps its lower
// min_reader_version. Version 4 added the temperature scaling of multiclass
// classifiers ("calibration": {"temperature": T}): a file that sets one
// needs a version 4 reader (an older one would refuse a calibration on a
// multiclass model as invalid, without saying that a newer reader is
// needed). Load validates everything a predictor relies on
// (tree structure, feature counts, class counts, pipeline shapes), so a
// loaded Artifact never makes the Predictor panic.
//
// # The predictor
//
// NewPredictor compiles an Artifact into a Predictor that is safe for
// concurrent use: single rows from a map (JSON-like values) or from a
// record of string cells bound to a header (no allocation per row), and
// batches of records or frames, split into blocks of rows over all cores:
// a block is encoded once, then each tree passes over the whole block, its
// splits deciding on 32-bit keys of the float32-rounded features without
// data-dependent branches (see treeSet), bit for bit as the single-row
// path decides. Classifiers return the label, its class index and
// the probability of every class (in Classes order, sorted by label);
// regressions return the value; on request, each row's top feature
// contributions (TreeSHAP for trees, w·x for linear models).
//
// Tree models see their numeric inputs rounded to float32, as the exported
// ONNX model (float32 inputs) and XGBoost do. The trainer's thresholds are
// float32 values that separate the float32-rounded training values, so
// training rows decide the same either way, and Go and ONNX predictions
// agree exactly on every input.
package model

import (
	"fmt"
	"time"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/prep"
)

// Format is the value of the artifact's "format" field.
const Format = "trainyard-model"

// Version is the artifact format version this package writes and the
// newest min_reader_version it reads.
const Version = 4

// thresholdVersion is the format version that introduced Artifact.Threshold.
const thresholdVersion = 2

// calibrationVersion is the format version that introduced
// Artifact.Calibration.
const calibrationVersion = 3

// temperatureVersion is the format version that introduced
// Calibration.Temperature.
const temperatureVersion = 4

// The tasks.
const (
	Binary     = "binary"
	Multiclass = "multiclass"
	Regression = "regression"
)

// The learner families of a Member.
const (
	GBDT   = "gbdt"
	Forest = "forest"
	Linear = "linear"
)

// Artifact is a trained model with everything needed to use it.
type Artifact struct {
	// Format is always Format.
	Format string `json:"format"`
	// Version is the format version of the writer.
	Version int `json:"version"`
	// MinReaderVersion is the oldest format version that can read this file.
	MinReaderVersion int `json:"min_reader_version"`

	// Task is Binary, Multiclass or Regression.
	Task string `json:"task"`
	// Target is the name of the predicted column.
	Target string `json:"target"`
	// Classes are the class labels in output order (sorted by their text,
	// numbers in shortest form); empty for a regression.
	Classes []string `json:"classes,omitempty"`
	// Schema lists the input columns the model reads, in order.
	Schema []Column `json:"schema"`
	// Pipelines are the fitted preprocessings; each member uses one.
	Pipelines []*prep.Pipeline `json:"pipelines"`
	// Members are the learned models; predictions are their weighted
	// average (probabilities for classifiers, values for regression).
	Members []Member `json:"members"`
	// Threshold is the decision threshold of a binary classifier: a row is
	// labeled with the positive class, Classes[1], when its probability is
	// at least Threshold, else with Classes[0]. Zero (or absent) keeps the
	// default rule, the more probable class (Classes[0] on a tie), which is
	// a threshold of 0.5 except at exactly 0.5. Other tasks leave it zero.
	// The probabilities themselves do not depend on it; with a
	// Calibration it applies to the calibrated probability.
	Threshold float64 `json:"threshold,omitempty"`
	// Calibration, when set on a classifier, maps the blended class
	// probabilities to calibrated ones (a Platt scaling of a binary
	// classifier's positive class, a temperature scaling of a multiclass
	// classifier's probabilities); every prediction path (and the ONNX
	// export) returns the calibrated probabilities.
	Calibration *Calibration `json:"calibration,omitempty"`
	// Image, when set, makes this an image classifier: it decodes, scales
	// and classifies images itself, and the artifact has no schema,
	// pipelines or members.
	Image *image.Classifier `json:"image,omitempty"`

	// Metrics are held-out scores by metric name.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Importance is the feature importance by input column, largest first.
	Importance []Importance `json:"importance,omitempty"`
	// Training describes how the model was made.
	Training Training `json:"training"`
}

// Column is one input column of the schema.
type Column struct {
	// Name of the column.
	Name string `json:"name"`
	// Kind is the column's type at training: numeric, categorical,
	// boolean, datetime, text or id.
	Kind string `json:"kind"`
}

// Member is one learned model of the artifact.
type Member struct {
	// Learner is GBDT, Forest, Linear or Text.
	Learner string `json:"learner"`
	// Weight of the member in the blend; the weights sum to 1.
	Weight float64 `json:"weight"`
	// Pipeline is the index in Artifact.Pipelines of the member's
	// preprocessing.
	Pipeline int `json:"pipeline"`
	// Params are the learner's resolved parameters.
	Params map[string]string `json:"params,omitempty"`
	// Trees holds a GBDT or Forest model.
	Trees *gbdt.Model `json:"trees,omitempty"`
	// Linear holds a Linear model.
	Linear *linear.Model `json:"linear,omitempty"`
	// Text holds a Text model (TF-IDF of the text columns, stacked with the
	// pipeline's numbers, and logistic regression).
	Text *TextModel `json:"text,omitempty"`
}

// Importance is the importance of one input column.
type Importance struct {
	Column string `json:"column"`
	// Gain is the normalized split gain (sums to 1 over columns).
	Gain float64 `json:"gain,omitempty"`
	// Permutation is the mean increase of the validation loss when the
	// column is shuffled.
	Permutation float64 `json:"permutation,omitempty"`
}

// Training is the metadata of the training run.
type Training struct {
	// CreatedAt is when the artifact was made.
	CreatedAt time.Time `json:"created_at"`
	// Engine is the version of the engine that trained it.
	Engine string `json:"engine,omitempty"`
	// Rows and Columns count the training data.
	Rows    int `json:"rows,omitempty"`
	Columns int `json:"columns,omitempty"`
	// Seed of the run, and Trials finished by the search (replayable).
	Seed   uint64 `json:"seed"`
	Trials int    `json:"trials,omitempty"`
	// Metric optimized and Validation scheme used.
	Metric     string `json:"metric,omitempty"`
	Validation string `json:"validation,omitempty"`
	// Seconds of wall-clock training time.
	Seconds float64 `json:"seconds,omitempty"`
	// Notes are decisions worth showing.
	Notes []string `json:"notes,omitempty"`
}

// NumClasses is the number of classes, or 0 for a regression.
func (a *Artifact) NumClasses() int { return len(a.Classes) }

// ClassOf returns the index in Classes of the label for the class
// probabilities probs (in Classes order, calibrated when the model has a
// Calibration): for a binary classifier with a Threshold, 1 when
// probs[1] >= Threshold; otherwise the most probable class (the first one on
// a tie). Every prediction path labels rows with it.
func (a *Artifact) ClassOf(probs []float64) int {
	if a.Threshold > 0 && len(probs) == 2 {
		if probs[1] >= a.Threshold {
			return 1
		}
		return 0
	}
	best := 0
	for c, v := range probs {
		if v > probs[best] {
			best = c
		}
	}
	return best
}

// width is the number of outputs per row: K probabilities or 1 value.
func (a *Artifact) width() int {
	if a.Task == Regression {
		return 1
	}
	return len(a.Classes)
}

// New assembles and validates an artifact from fitted pipelines (all with
// the same label encoding) and members. The task, target, classes and
// schema come from the pipelines; Format and versions are filled in.
func New(pipelines []*prep.Pipeline, members []Member, tr Training) (*Artifact, error) {
	if len(pipelines) == 0 || pipelines[0] == nil {
		return nil, fmt.Errorf("new model: no pipeline")
	}
	l := pipelines[0].Label
	a := &Artifact{
		Format: Format, Version: Version, MinReaderVersion: 1,
		Task: string(l.Task), Target: l.Column, Classes: l.Classes,
		Pipelines: pipelines, Members: members, Training: tr,
	}
	seen := map[string]bool{}
	for _, p := range pipelines {
		if p == nil {
			continue
		}
		for _, s := range p.Steps {
			if !seen[s.Column] {
				seen[s.Column] = true
				a.Schema = append(a.Schema, Column{Name: s.Column, Kind: s.Kind.String()})
			}
		}
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("new model: %w", err)
	}
	return a, nil
}
