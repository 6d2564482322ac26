package onnx

import (
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
)

const mlDomain = "ai.onnx.ml"

// Options sets the versions of an export. Zero fields take the defaults.
type Options struct {
	// IRVersion of the model; default 8.
	IRVersion int64
	// Opset of the default (ai.onnx) domain; default 17.
	Opset int64
	// MLOpset of ai.onnx.ml; default 3. The tree exporters need 1..4 (the
	// TreeEnsembleClassifier/Regressor operators were removed in 5).
	MLOpset int64
	// ProducerVersion is recorded as producer_version.
	ProducerVersion string
	// Metadata is copied into metadata_props.
	Metadata [][2]string
	// Threshold, for a two-class model, labels a row with the second class
	// when its probability is at least Threshold (compared in float32 with
	// the smallest float32 not below Threshold) and with the first class
	// otherwise. Zero labels with the more probable class (the first on a
	// tie). It needs ai.onnx opset 12 or later (GreaterOrEqual).
	Threshold float64
	// Calibration, for a two-class model, replaces the blended probability
	// p of the second class by the Platt-scaled σ(A·logit(p) + B), and the
	// probabilities by [1-p', p']; the label (and Threshold) then reads the
	// calibrated ones. The log-odds are taken as log(p) - log(q) of the two
	// blended probabilities, each clamped below at 1e-15, which keeps the
	// float32 precision of q near p = 1. For a model of more classes, a
	// Calibration with a Temperature T replaces the probabilities p by
	// softmax(log p / T), each p clamped below at 1e-15; the label then
	// reads those.
	Calibration *Calibration
}

// Calibration is a Platt scaling of a two-class model, slope A (positive)
// on the log-odds and intercept B, or a temperature scaling of a model of
// more classes, Temperature T (positive; A and B zero).
type Calibration struct {
	A, B        float64
	Temperature float64
}

func (o Options) withDefaults() Options {
	if o.IRVersion == 0 {
		o.IRVersion = 8
	}
	if o.Opset == 0 {
		o.Opset = 17
	}
	if o.MLOpset == 0 {
		o.MLOpset = 3
	}
	return o
}

func (o Options) model(g Graph, classes []string) *Model {
	m := &Model{
		IRVersion:       o.IRVersion,
		Opsets:          []Opset{{Domain: "", Version: o.Opset}, {Domain: mlDomain, Version: o.MLOpset}},
		ProducerName:    "trainyard",
		ProducerVersion: o.ProducerVersion,
		Graph:           g,
		Metadata:        append([][2]string(nil), o.Metadata...),
	}
	if len(classes) > 0 {
		m.Metadata = append(m.Metadata, [2]string{"classes", jsonStrings(classes)})
	}
	return m
}

// Part is one model of an exported blend: its weight, the features it
// reads (over the shared columns) and exactly one of Trees or Linear.
type Part struct {
	Weight   float64
	Features []Feature
	Trees    *gbdt.Model
	Linear   *linear.Model
}

// GBDT exports a tree ensemble (gradient boosting or random forest) with the
// preprocessing of spec. Classifiers (len(spec.Classes) > 0) get the outputs
// `label` (string [N]) and `probabilities` (float [N, K], classes in
// spec.Classes order); regressions get `value` (float [N, 1]).
func GBDT(spec *Spec, m *gbdt.Model, opt Options) (*Model, error) {
	return Blend(spec.Columns, spec.Classes, []Part{{Weight: 1, Features: spec.Features, Trees: m}}, opt)
}

// Linear exports a linear model with the preprocessing of spec: a
// LinearRegressor (output `value`), or a LinearClassifier whose binary form
// has the coefficient rows [-w; w] and intercepts [-b, b] with LOGISTIC, so
// its two scores are the probabilities of the two classes; multinomial
// models use SOFTMAX.
func Linear(spec *Spec, m *linear.Model, opt Options) (*Model, error) {
	return Blend(spec.Columns, spec.Classes, []Part{{Weight: 1, Features: spec.Features, Linear: m}}, opt)
}

// Blend exports the weighted average of several models' predictions
// (probabilities or values) over shared inputs. One part is exported as
// that model alone; several are combined with Mul and Sum, and a
// classifier's label is the ArgMax of the blended probabilities mapped to
// its class label by a LabelEncoder.
func Blend(cols []Column, classes []string, parts []Part, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	if err := (&Spec{Columns: cols}).Validate(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("export: no model")
	}
	b := newGraphBuilder()
	b.inputs(cols)
	// One part writes the outputs itself, except a two-class tree
	// ensemble: onnxruntime labels those from the raw class-1 score (by its
	// sign, or by > 0.5 when no weight is negative), which disagrees with
	// the probabilities for softmax scores, and for a logistic score in
	// (0, 0.5] when all weights are positive. Their label comes from ArgMax
	// of the probabilities, as a blend's does.
	// A decision threshold labels from the probabilities too.
	if err := opt.checkDecision(len(classes)); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	thresholded, calibrated := opt.Threshold != 0, opt.Calibration != nil
	single := len(parts) == 1 && !calibrated && !(len(classes) == 2 && (parts[0].Trees != nil || thresholded))
	var outs []string
	total := 0.0
	for i := range parts {
		p := &parts[i]
		if !(p.Weight >= 0) || math.IsInf(p.Weight, 0) {
			return nil, fmt.Errorf("export: part %d has weight %v", i, p.Weight)
		}
		total += p.Weight
		x, err := b.features(cols, p.Features)
		if err != nil {
			return nil, fmt.Errorf("export: part %d: %w", i, err)
		}
		label, out := "label", "probabilities"
		if len(classes) == 0 {
			out = "value"
		}
		if !single {
			label, out = b.name("label_part"), b.name(out+"_part")
		}
		nfeat := 0
		for j := range p.Features {
			nfeat += p.Features[j].width()
		}
		switch {
		case p.Trees != nil && p.Linear == nil:
			err = b.trees(p.Trees, x, nfeat, classes, label, out, opt)
		case p.Linear != nil && p.Trees == nil:
			err = b.linear(p.Linear, x, nfeat, classes, label, out)
		default:
			err = fmt.Errorf("needs exactly one of Trees and Linear")
		}
		if err != nil {
			return nil, fmt.Errorf("export: part %d: %w", i, err)
		}
		outs = append(outs, out)
	}
	if !(total > 0) {
		return nil, fmt.Errorf("export: weights sum to %v", total)
	}
	if !single {
		var weighted []string
		for i, o := range outs {
			w := b.name("weight_part")
			b.g.Initializers = append(b.g.Initializers, Tensor{Name: w, DataType: Float, Floats: []float32{float32(parts[i].Weight / total)}})
			wo := b.name(o + "_weighted")
			b.node("Mul", "", []string{o, w}, []string{wo})
			weighted = append(weighted, wo)
		}
		if len(classes) == 0 {
			b.node("Sum", "", weighted, []string{"value"})
		} else {
			probs := b.probabilities(opt)
			b.node("Sum", "", weighted, []string{probs})
			b.classify(probs, classes, opt)
		}
	}
	if len(classes) == 0 {
		b.g.Outputs = append(b.g.Outputs, ValueInfo{Name: "value", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 1}}})
	} else {
		b.classifierOutputs(len(classes))
	}
	b.g.Name = "trainyard"
	return opt.model(b.g, classes), nil
}

// checkDecision checks that a threshold or a calibration in o suits a model
// of k classes (0 for a regression) and the opset.
func (o Options) checkDecision(k int) error {
	if o.Threshold != 0 {
		if k != 2 {
			return fmt.Errorf("threshold %v for %d classes (only two-class models take one)", o.Threshold, k)
		}
		if !(o.Threshold > 0 && o.Threshold <= 1) {
			return fmt.Errorf("threshold %v outside (0, 1]", o.Threshold)
		}
		if o.Opset < 12 {
			return fmt.Errorf("a threshold needs ai.onnx opset 12 or later (GreaterOrEqual), not %d", o.Opset)
		}
	}
	if c := o.Calibration; c != nil && c.Temperature != 0 {
		if k < 3 || c.A != 0 || c.B != 0 || !(c.Temperature > 0) || math.IsInf(c.Temperature, 0) {
			return fmt.Errorf("calibration %+v for %d classes (a temperature wants three classes or more, a finite positive temperature and no slope or intercept)", *c, k)
		}
	} else if c != nil {
		if k != 2 || !(c.A > 0) || math.IsInf(c.A, 0) || math.IsNaN(c.B) || math.IsInf(c.B, 0) {
			return fmt.Errorf("calibration %+v for %d classes (want two classes, a finite positive slope and a finite intercept)", *c, k)
		}
	}
	return nil
}

// probabilities returns the name a classifier's class probabilities are
// written to before classify: the output `probabilities` itself, or with a
// calibration an inner tensor that classify calibrates into that output.
func (b *graphBuilder) probabilities(opt Options) string {
	if opt.Calibration != nil {
		return b.name("uncalibrated_probabilities")
	}
	return "probabilities"
}

// classify completes a classifier from its class probabilities probs (named
// by b.probabilities): the calibration, if any, into `probabilities`, then
// `label`, the class at the ArgMax of `probabilities` (or at the threshold
// decision) mapped to its label string by a LabelEncoder.
func (b *graphBuilder) classify(probs string, classes []string, opt Options) {
	switch c := opt.Calibration; {
	case c != nil && c.Temperature != 0:
		b.temper(probs, c.Temperature, "probabilities")
	case c != nil:
		b.calibrate(probs, *c, "probabilities")
	}
	idx := b.name("class_index")
	if opt.Threshold != 0 {
		b.thresholdIndex("probabilities", opt.Threshold, idx)
	} else {
		b.node("ArgMax", "", []string{"probabilities"}, []string{idx}, Int("axis", 1), Int("keepdims", 0))
	}
	keys := make([]int64, len(classes))
	for i := range keys {
		keys[i] = int64(i)
	}
	b.node("LabelEncoder", mlDomain, []string{idx}, []string{"label"},
		Ints("keys_int64s", keys...), Strings("values_strings", classes...), StringAttr("default_string", ""))
}

// classifierOutputs declares the outputs of a classifier of k classes:
// `label` (string [N]) and `probabilities` (float [N, k]).
func (b *graphBuilder) classifierOutputs(k int) {
	b.g.Outputs = append(b.g.Outputs,
		ValueInfo{Name: "label", ElemType: String, Shape: []Dim{{Param: "N"}}},
		ValueInfo{Name: "probabilities", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: int64(k)}}},
	)
}

// calibrate writes to out ([N, 2]) the Platt-scaled probabilities of probs
// ([N, 2]): with z = A·(log p1 - log p0) + B, out is [σ(-z), σ(z)]. One Gemm
// of the clamped logs by [[A, -A], [-A, A]] plus [-B, B] gives [-z, z]:
// Max, Log, Gemm, Sigmoid.
func (b *graphBuilder) calibrate(probs string, c Calibration, out string) {
	eps, w, bias := b.name("calibration_floor"), b.name("calibration_slope"), b.name("calibration_intercept")
	a := float32(c.A)
	b.g.Initializers = append(b.g.Initializers,
		Tensor{Name: eps, DataType: Float, Floats: []float32{1e-15}},
		Tensor{Name: w, Dims: []int64{2, 2}, DataType: Float, Floats: []float32{a, -a, -a, a}},
		Tensor{Name: bias, Dims: []int64{2}, DataType: Float, Floats: []float32{float32(-c.B), float32(c.B)}},
	)
	clamped, logs, z := b.name("clamped_probabilities"), b.name("log_probabilities"), b.name("calibrated_log_odds")
	b.node("Max", "", []string{probs, eps}, []string{clamped})
	b.node("Log", "", []string{clamped}, []string{logs})
	b.node("Gemm", "", []string{logs, w, bias}, []string{z})
	b.node("Sigmoid", "", []string{z}, []string{out})
}

// temper writes to out ([N, K]) the temperature-scaled probabilities of
// probs ([N, K]): softmax(log max(p, 1e-15) / t) along the classes: Max,
// Log, Div, Softmax.
func (b *graphBuilder) temper(probs string, t float64, out string) {
	eps, temp := b.name("calibration_floor"), b.name("calibration_temperature")
	b.g.Initializers = append(b.g.Initializers,
		Tensor{Name: eps, DataType: Float, Floats: []float32{1e-15}},
		Tensor{Name: temp, DataType: Float, Floats: []float32{float32(t)}},
	)
	clamped, logs, scaled := b.name("clamped_probabilities"), b.name("log_probabilities"), b.name("tempered_log_probabilities")
	b.node("Max", "", []string{probs, eps}, []string{clamped})
	b.node("Log", "", []string{clamped}, []string{logs})
	b.node("Div", "", []string{logs, temp}, []string{scaled})
	b.node("Softmax", "", []string{scaled}, []string{out}, Int("axis", 1))
}

// thresholdIndex writes to idx (int64 [N]) 1 where the second column of
// probs ([N, 2]) is at least t, else 0: Gather, GreaterOrEqual, Cast.
func (b *graphBuilder) thresholdIndex(probs string, t float64, idx string) {
	one, thr := b.name("positive_column"), b.name("threshold")
	b.g.Initializers = append(b.g.Initializers,
		Tensor{Name: one, DataType: Int64, Int64s: []int64{1}},
		Tensor{Name: thr, DataType: Float, Floats: []float32{ceilFloat32(t)}},
	)
	pos, ge := b.name("positive_probability"), b.name("at_threshold")
	b.node("Gather", "", []string{probs, one}, []string{pos}, Int("axis", 1))
	b.node("GreaterOrEqual", "", []string{pos, thr}, []string{ge})
	b.node("Cast", "", []string{ge}, []string{idx}, Int("to", int64(Int64)))
}

// ceilFloat32 returns the smallest float32 that is >= t, so that for every
// float32 p, p >= t exactly when p >= ceilFloat32(t).
func ceilFloat32(t float64) float32 {
	f := float32(t)
	if float64(f) < t {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// trees adds a TreeEnsembleClassifier or TreeEnsembleRegressor reading x.
func (b *graphBuilder) trees(m *gbdt.Model, x string, nfeat int, classes []string, label, out string, opt Options) error {
	if opt.MLOpset < 1 || opt.MLOpset > 4 {
		return fmt.Errorf("ai.onnx.ml opset %d has no TreeEnsembleClassifier/Regressor (want 1..4)", opt.MLOpset)
	}
	if nfeat != len(m.Features) {
		return fmt.Errorf("features make %d inputs, the trees read %d", nfeat, len(m.Features))
	}
	post, err := postTransform(m.Transform)
	if err != nil {
		return err
	}
	k := max(m.TreesPerIteration, 1)
	classifier := m.Objective == "binary" || m.Objective == "multiclass"
	switch {
	case classifier && m.Objective == "binary" && (len(classes) != 2 || k != 1):
		return fmt.Errorf("binary model needs 2 classes and 1 output, got %d and %d", len(classes), k)
	case classifier && m.Objective == "multiclass" && len(classes) != k:
		return fmt.Errorf("%d classes for %d outputs", len(classes), k)
	case !classifier && (len(classes) != 0 || k != 1):
		return fmt.Errorf("objective %q with %d classes and %d outputs", m.Objective, len(classes), k)
	}
	e, err := treeEnsemble(m, nfeat)
	if err != nil {
		return err
	}
	attrs := e.nodeAttrs()
	attrs = append(attrs, StringAttr("post_transform", post))
	if classifier {
		attrs = append(attrs,
			Ints("class_treeids", e.leafTree...),
			Ints("class_nodeids", e.leafNode...),
			Ints("class_ids", e.leafTarget...),
			Floats("class_weights", e.leafWeight...),
			Strings("classlabels_strings", classes...),
		)
		b.node("TreeEnsembleClassifier", mlDomain, []string{x}, []string{label, out}, attrs...)
		return nil
	}
	attrs = append(attrs,
		Ints("target_treeids", e.leafTree...),
		Ints("target_nodeids", e.leafNode...),
		Ints("target_ids", e.leafTarget...),
		Floats("target_weights", e.leafWeight...),
		Int("n_targets", 1),
		StringAttr("aggregate_function", "SUM"),
	)
	b.node("TreeEnsembleRegressor", mlDomain, []string{x}, []string{out}, attrs...)
	return nil
}

// linear adds a LinearClassifier or LinearRegressor reading x.
func (b *graphBuilder) linear(m *linear.Model, x string, nfeat int, classes []string, label, out string) error {
	if nfeat != m.NumFeatures {
		return fmt.Errorf("features make %d inputs, the linear model reads %d", nfeat, m.NumFeatures)
	}
	rows := len(m.Coefficients)
	if rows == 0 || len(m.Intercepts) != rows {
		return fmt.Errorf("%d coefficient rows and %d intercepts", rows, len(m.Intercepts))
	}
	for _, w := range m.Coefficients {
		if len(w) != nfeat {
			return fmt.Errorf("a coefficient row has %d values, want %d", len(w), nfeat)
		}
	}
	var coef, icpt []float32
	appendRow := func(w []float64, c, sign float64) {
		for _, v := range w {
			coef = append(coef, float32(sign*v))
		}
		icpt = append(icpt, float32(sign*c))
	}
	switch m.Task {
	case linear.Regression:
		if len(classes) != 0 || rows != 1 {
			return fmt.Errorf("regression with %d classes and %d rows", len(classes), rows)
		}
		appendRow(m.Coefficients[0], m.Intercepts[0], 1)
		b.node("LinearRegressor", mlDomain, []string{x}, []string{out},
			Floats("coefficients", coef...), Floats("intercepts", icpt...), Int("targets", 1))
	case linear.Binary:
		if len(classes) != 2 || rows != 1 {
			return fmt.Errorf("binary with %d classes and %d rows", len(classes), rows)
		}
		appendRow(m.Coefficients[0], m.Intercepts[0], -1)
		appendRow(m.Coefficients[0], m.Intercepts[0], 1)
		b.node("LinearClassifier", mlDomain, []string{x}, []string{label, out},
			Floats("coefficients", coef...), Floats("intercepts", icpt...),
			Strings("classlabels_strings", classes...), StringAttr("post_transform", "LOGISTIC"))
	case linear.Multiclass:
		if len(classes) != rows {
			return fmt.Errorf("%d classes for %d rows", len(classes), rows)
		}
		for k := range rows {
			appendRow(m.Coefficients[k], m.Intercepts[k], 1)
		}
		b.node("LinearClassifier", mlDomain, []string{x}, []string{label, out},
			Floats("coefficients", coef...), Floats("intercepts", icpt...),
			Strings("classlabels_strings", classes...), StringAttr("post_transform", "SOFTMAX"))
	default:
		return fmt.Errorf("unknown task %q", m.Task)
	}
	return nil
}
