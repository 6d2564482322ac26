package model

import (
	"fmt"
	"strconv"

	"github.com/trainyard/trainyard/ml/onnx"
	"github.com/trainyard/trainyard/ml/prep"
)

// ONNXOptions sets the versions of an ONNX export (zero values: IR 8,
// ai.onnx 17, ai.onnx.ml 3).
type ONNXOptions = onnx.Options

// ONNX exports the artifact as an ONNX model (see package ml/onnx for the
// graph). Inputs are one [N, 1] tensor per input column, named after it:
// float for numeric columns and for booleans (as 0/1), string for
// categorical and ID columns (the raw cell text; missing markers such as ""
// or "NA", also with one space on either side, count as missing; cells
// padded with more white space than that are not recognized as missing, so
// trim them before calling the model). A datetime column cannot be parsed in ONNX: it
// becomes one float input per derived part, named as the preprocessing
// names them ("<column>__year", "__month", "__day", "__weekday", "__hour"
// when present, "__unix" in seconds, UTC). Text columns are not inputs.
// Outputs: `label` (string [N]) and `probabilities` (float [N, K]) for
// classifiers, `value` (float [N, 1]) for regressions. A binary classifier's
// label applies its Threshold (also stored in the metadata_props entry
// "trainyard.threshold"); opt.Threshold is ignored. A calibrated
// classifier's probabilities are Platt-scaled (binary) or temperature-scaled
// (multiclass) in the graph, as Predict returns them (opt.Calibration is
// likewise ignored; "trainyard.calibration" names the scaling).
//
// An image model has one input instead, `image`: float [N, C, H, W], the
// tensor the model sees after decoding and scaling (Shape of its
// classifier; values in [0, 1], R, G, B planes or one luminance plane,
// channel-major, rows top to bottom; onnx.ImagePreprocessing words it, and
// it is the ONNX model's doc string). Decoding and scaling are not in the
// graph: do them as image.Tensor does. The outputs are those of any
// classifier, in Classes order.
func (a *Artifact) ONNX(opt ONNXOptions) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("onnx export: %w", err)
	}
	opt = a.onnxOptions(opt)
	if a.Image != nil {
		m, err := onnx.Image(a.Image, opt)
		if err != nil {
			return nil, fmt.Errorf("onnx export: %w", err)
		}
		return m.Marshal(), nil
	}
	for _, m := range a.Members {
		if m.Text != nil {
			return nil, fmt.Errorf("onnx export: models with a text member are native only (our tokenizer cleans HTML and Unicode text, which ONNX's TfIdfVectorizer cannot reproduce)")
		}
	}
	x := &onnxSpec{index: map[string]int{}}
	feats := make([][]onnx.Feature, len(a.Pipelines))
	for i, p := range a.Pipelines {
		f, err := x.pipeline(p)
		if err != nil {
			return nil, fmt.Errorf("onnx export: pipeline %d: %w", i, err)
		}
		feats[i] = f
	}
	for _, c := range x.cols {
		switch c.Name {
		case "label", "probabilities", "value":
			return nil, fmt.Errorf("onnx export: input column %q has the name of an output", c.Name)
		}
	}
	parts := make([]onnx.Part, len(a.Members))
	for i, m := range a.Members {
		parts[i] = onnx.Part{Weight: m.Weight, Features: feats[m.Pipeline], Trees: m.Trees, Linear: m.Linear}
	}
	m, err := onnx.Blend(x.cols, a.Classes, parts, opt)
	if err != nil {
		return nil, fmt.Errorf("onnx export: %w", err)
	}
	return m.Marshal(), nil
}

// onnxOptions returns opt with the artifact's metadata, threshold and
// calibration, which replace any that opt sets.
func (a *Artifact) onnxOptions(opt ONNXOptions) ONNXOptions {
	opt.Metadata = append(opt.Metadata,
		[2]string{"trainyard.task", a.Task},
		[2]string{"trainyard.target", a.Target},
		[2]string{"trainyard.format_version", strconv.Itoa(Version)},
	)
	opt.Threshold = a.Threshold
	if a.Threshold != 0 {
		opt.Metadata = append(opt.Metadata, [2]string{"trainyard.threshold", strconv.FormatFloat(a.Threshold, 'g', -1, 64)})
	}
	opt.Calibration = nil
	c := a.Calibration
	if c == nil {
		return opt
	}
	cal := onnx.Calibration(*c) // the same parameters: a new one fails to compile here until the export takes it
	opt.Calibration = &cal
	if c.Temperature != 0 {
		opt.Metadata = append(opt.Metadata, [2]string{"trainyard.calibration", "temperature t=" + strconv.FormatFloat(c.Temperature, 'g', -1, 64)})
	} else {
		opt.Metadata = append(opt.Metadata, [2]string{"trainyard.calibration", fmt.Sprintf("platt a=%s b=%s",
			strconv.FormatFloat(c.A, 'g', -1, 64), strconv.FormatFloat(c.B, 'g', -1, 64))})
	}
	return opt
}

// ONNXInputs returns the graph inputs ONNX gives the artifact, in order:
// their names and whether each is a string tensor (else float), all shaped
// [N, 1]. An image model has no such inputs (see ONNX).
func (a *Artifact) ONNXInputs() ([]onnx.Column, error) {
	if a.Image != nil {
		return nil, fmt.Errorf("onnx inputs: an image model's one input is %q, float [N, C, H, W]", onnx.ImageInput)
	}
	x := &onnxSpec{index: map[string]int{}}
	for i, p := range a.Pipelines {
		if p == nil {
			return nil, fmt.Errorf("onnx inputs: pipeline %d is missing", i)
		}
		if _, err := x.pipeline(p); err != nil {
			return nil, fmt.Errorf("onnx inputs: pipeline %d: %w", i, err)
		}
	}
	return x.cols, nil
}

// onnxSpec collects the graph inputs shared by all pipelines.
type onnxSpec struct {
	cols  []onnx.Column
	index map[string]int
}

// column returns the index of the input named name, adding it.
func (x *onnxSpec) column(name string, str bool) (int, error) {
	if i, ok := x.index[name]; ok {
		if x.cols[i].String != str {
			return 0, fmt.Errorf("column %q is used both as a number and as a string", name)
		}
		return i, nil
	}
	x.index[name] = len(x.cols)
	x.cols = append(x.cols, onnx.Column{Name: name, String: str})
	return len(x.cols) - 1, nil
}

// pipeline translates the steps of p into ONNX features.
func (x *onnxSpec) pipeline(p *prep.Pipeline) ([]onnx.Feature, error) {
	var out []onnx.Feature
	linear := p.Mode == prep.Linear
	for _, s := range p.Steps {
		switch s.Encoder {
		case prep.EncText:
			continue
		case prep.EncNumeric, prep.EncBoolean:
			c, err := x.column(s.Column, false)
			if err != nil {
				return nil, err
			}
			f := onnx.Feature{Kind: onnx.Number, Column: c}
			if linear {
				f = scaled(f, s, 0)
				f.Indicator = s.Indicator
			}
			out = append(out, f)
		case prep.EncDatetime:
			for k := range s.Parts {
				c, err := x.column(s.Out[k], false)
				if err != nil {
					return nil, err
				}
				f := onnx.Feature{Kind: onnx.Number, Column: c}
				if linear {
					f = scaled(f, s, k)
					// The indicator follows the last part, "unix", which is
					// NaN exactly when the datetime is missing.
					f.Indicator = s.Indicator && k == len(s.Parts)-1
				}
				out = append(out, f)
			}
		case prep.EncCodes, prep.EncOneHot, prep.EncTarget:
			c, err := x.column(s.Column, true)
			if err != nil {
				return nil, err
			}
			out = append(out, categorical(s, c, p.MissingMarkers))
		default:
			return nil, fmt.Errorf("step %q: encoder %q cannot be exported", s.Column, s.Encoder)
		}
	}
	return out, nil
}

// scaled sets the imputation and standardization of value output k.
func scaled(f onnx.Feature, s prep.Step, k int) onnx.Feature {
	f.Imputed, f.ImputeInf, f.Impute = true, true, s.Fill[k]
	f.Offset, f.Scale = s.Center[k], 1/s.Scale[k]
	return f
}

// categorical maps a string step to a Code, OneHot or Lookup feature.
func categorical(s prep.Step, col int, markers []string) onnx.Feature {
	f := onnx.Feature{Column: col}
	seen := map[string]bool{}
	add := func(key string, code int) {
		if !seen[key] {
			seen[key] = true
			f.Keys = append(f.Keys, key)
			f.Codes = append(f.Codes, code)
		}
	}
	for i, l := range s.Levels {
		add(l, i)
	}
	for _, l := range s.OtherLevels {
		add(l, len(s.Levels))
	}
	// The preprocessing reads a cell as missing when it is a marker after
	// trimming spaces; ONNX cannot trim, so the markers padded with one
	// space on either side are listed too.
	var padded []string
	for _, m := range markers {
		padded = append(padded, m, " "+m, m+" ", " "+m+" ")
	}
	markers = padded
	switch s.Encoder {
	case prep.EncCodes:
		f.Kind = onnx.Code
	case prep.EncOneHot:
		f.Kind, f.Width = onnx.OneHot, len(s.Out)
		if s.MissingLevel {
			for _, m := range markers {
				add(m, len(s.Out)-1)
			}
		}
	case prep.EncTarget:
		f.Kind = onnx.Lookup
		// A missing cell looks up the level "" when it was seen at fit.
		if code, ok := levelIndex(s, ""); ok {
			for _, m := range markers {
				add(m, code)
			}
		}
		w := len(s.Out)
		f.Default = make([]float64, w)
		f.Table = make([][]float64, w)
		for j := range w {
			f.Default[j] = (s.Prior[j] - s.Center[j]) / s.Scale[j]
			f.Table[j] = make([]float64, len(s.Stats))
			for l, st := range s.Stats {
				f.Table[j][l] = (st[j] - s.Center[j]) / s.Scale[j]
			}
		}
	}
	return f
}

func levelIndex(s prep.Step, level string) (int, bool) {
	for i, l := range s.Levels {
		if l == level {
			return i, true
		}
	}
	return 0, false
}
