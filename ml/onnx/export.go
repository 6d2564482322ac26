package onnx

import (
	"fmt"

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

// GBDT exports a tree ensemble (gradient boosting or random forest) with the
// preprocessing of spec. Classifiers (len(spec.Classes) > 0) get the outputs
// `label` (string [N]) and `probabilities` (float [N, K], classes in
// spec.Classes order); regressions get `value` (float [N, 1]).
func GBDT(spec *Spec, m *gbdt.Model, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	if opt.MLOpset < 1 || opt.MLOpset > 4 {
		return nil, fmt.Errorf("export gbdt: ai.onnx.ml opset %d has no TreeEnsembleClassifier/Regressor (want 1..4)", opt.MLOpset)
	}
	nfeat := spec.NumFeatures()
	if nfeat != len(m.Features) {
		return nil, fmt.Errorf("export gbdt: spec has %d features, model %d", nfeat, len(m.Features))
	}
	post, err := postTransform(m.Transform)
	if err != nil {
		return nil, fmt.Errorf("export gbdt: %w", err)
	}
	k := max(m.TreesPerIteration, 1)
	classifier := m.Objective == "binary" || m.Objective == "multiclass"
	switch {
	case classifier && m.Objective == "binary" && (len(spec.Classes) != 2 || k != 1):
		return nil, fmt.Errorf("export gbdt: binary model needs 2 classes and 1 output, got %d and %d", len(spec.Classes), k)
	case classifier && m.Objective == "multiclass" && len(spec.Classes) != k:
		return nil, fmt.Errorf("export gbdt: %d classes for %d outputs", len(spec.Classes), k)
	case !classifier && (len(spec.Classes) != 0 || k != 1):
		return nil, fmt.Errorf("export gbdt: objective %q with %d classes and %d outputs", m.Objective, len(spec.Classes), k)
	}
	b := newGraphBuilder()
	x, err := b.features(spec)
	if err != nil {
		return nil, fmt.Errorf("export gbdt: %w", err)
	}
	e, err := treeEnsemble(m, nfeat)
	if err != nil {
		return nil, fmt.Errorf("export gbdt: %w", err)
	}
	attrs := e.nodeAttrs()
	attrs = append(attrs, StringAttr("post_transform", post))
	if classifier {
		attrs = append(attrs,
			Ints("class_treeids", e.leafTree...),
			Ints("class_nodeids", e.leafNode...),
			Ints("class_ids", e.leafTarget...),
			Floats("class_weights", e.leafWeight...),
			Strings("classlabels_strings", spec.Classes...),
		)
		b.node("TreeEnsembleClassifier", mlDomain, []string{x}, []string{"label", "probabilities"}, attrs...)
		b.classifierOutputs(len(spec.Classes))
	} else {
		attrs = append(attrs,
			Ints("target_treeids", e.leafTree...),
			Ints("target_nodeids", e.leafNode...),
			Ints("target_ids", e.leafTarget...),
			Floats("target_weights", e.leafWeight...),
			Int("n_targets", 1),
			StringAttr("aggregate_function", "SUM"),
		)
		b.node("TreeEnsembleRegressor", mlDomain, []string{x}, []string{"value"}, attrs...)
		b.g.Outputs = append(b.g.Outputs, ValueInfo{Name: "value", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 1}}})
	}
	b.g.Name = "trainyard_gbdt"
	return opt.model(b.g, spec.Classes), nil
}

func (b *graphBuilder) classifierOutputs(k int) {
	b.g.Outputs = append(b.g.Outputs,
		ValueInfo{Name: "label", ElemType: String, Shape: []Dim{{Param: "N"}}},
		ValueInfo{Name: "probabilities", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: int64(k)}}},
	)
}

// Linear exports a linear model with the preprocessing of spec: a
// LinearRegressor (output `value`), or a LinearClassifier whose binary form
// has the coefficient rows [-w; w] and intercepts [-b, b] with LOGISTIC, so
// its two scores are the probabilities of the two classes; multinomial
// models use SOFTMAX.
func Linear(spec *Spec, m *linear.Model, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	nfeat := spec.NumFeatures()
	if nfeat != m.NumFeatures {
		return nil, fmt.Errorf("export linear: spec has %d features, model %d", nfeat, m.NumFeatures)
	}
	rows := len(m.Coefficients)
	if rows == 0 || len(m.Intercepts) != rows {
		return nil, fmt.Errorf("export linear: %d coefficient rows and %d intercepts", rows, len(m.Intercepts))
	}
	for _, w := range m.Coefficients {
		if len(w) != nfeat {
			return nil, fmt.Errorf("export linear: a coefficient row has %d values, want %d", len(w), nfeat)
		}
	}
	b := newGraphBuilder()
	x, err := b.features(spec)
	if err != nil {
		return nil, fmt.Errorf("export linear: %w", err)
	}
	var coef []float32
	var icpt []float32
	appendRow := func(w []float64, c, sign float64) {
		for _, v := range w {
			coef = append(coef, float32(sign*v))
		}
		icpt = append(icpt, float32(sign*c))
	}
	switch m.Task {
	case linear.Regression:
		if len(spec.Classes) != 0 || rows != 1 {
			return nil, fmt.Errorf("export linear: regression with %d classes and %d rows", len(spec.Classes), rows)
		}
		appendRow(m.Coefficients[0], m.Intercepts[0], 1)
		b.node("LinearRegressor", mlDomain, []string{x}, []string{"value"},
			Floats("coefficients", coef...), Floats("intercepts", icpt...), Int("targets", 1))
		b.g.Outputs = append(b.g.Outputs, ValueInfo{Name: "value", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 1}}})
	case linear.Binary:
		if len(spec.Classes) != 2 || rows != 1 {
			return nil, fmt.Errorf("export linear: binary with %d classes and %d rows", len(spec.Classes), rows)
		}
		appendRow(m.Coefficients[0], m.Intercepts[0], -1)
		appendRow(m.Coefficients[0], m.Intercepts[0], 1)
		b.node("LinearClassifier", mlDomain, []string{x}, []string{"label", "probabilities"},
			Floats("coefficients", coef...), Floats("intercepts", icpt...),
			Strings("classlabels_strings", spec.Classes...), StringAttr("post_transform", "LOGISTIC"))
		b.classifierOutputs(2)
	case linear.Multiclass:
		if len(spec.Classes) != rows {
			return nil, fmt.Errorf("export linear: %d classes for %d rows", len(spec.Classes), rows)
		}
		for k := range rows {
			appendRow(m.Coefficients[k], m.Intercepts[k], 1)
		}
		b.node("LinearClassifier", mlDomain, []string{x}, []string{"label", "probabilities"},
			Floats("coefficients", coef...), Floats("intercepts", icpt...),
			Strings("classlabels_strings", spec.Classes...), StringAttr("post_transform", "SOFTMAX"))
		b.classifierOutputs(rows)
	default:
		return nil, fmt.Errorf("export linear: unknown task %q", m.Task)
	}
	b.g.Name = "trainyard_linear"
	return opt.model(b.g, spec.Classes), nil
}
