package server

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/model"
)

// The Open Inference Protocol v2 (KServe, Triton, MLServer) for every deployed model: the model
// name is the model id, its only version is "1", inputs are one tensor per input column named
// after it (shape [N, 1] or [N]; FP32, FP64, INT8-64, UINT8-64 or BOOL for numeric and boolean
// columns, BYTES for the others, though numbers are accepted for text columns and the other
// way round when the text is a number), and outputs are `label` (BYTES [N]) and `probabilities`
// (FP32 [N, K], classes in sorted order, as in GetModel's classes) for classifiers, `value`
// (FP32 [N, 1]) for regressions. Values are checked as Predict checks instances (see
// serving.Loaded.Row); a row that cannot be scored fails the whole request with a message
// naming the row, since the protocol has no per-row errors.

// oipVersion is the version every model reports.
const oipVersion = "1"

// oipServerName and oipExtensions describe the server in /v2 and ServerMetadata.
const oipServerName = "trainyard"

var oipExtensions = []string{"binary_tensor_data"}

// tensorIn is a decoded input tensor: its elements as numbers, texts or booleans.
type tensorIn struct {
	name, datatype string
	shape          []int64
	nums           []float64
	strs           []string
	bools          []bool
}

// len returns the number of elements.
func (t *tensorIn) len() int {
	switch {
	case t.strs != nil:
		return len(t.strs)
	case t.bools != nil:
		return len(t.bools)
	}
	return len(t.nums)
}

// value returns element i as a value Row takes.
func (t *tensorIn) value(i int) any {
	switch {
	case t.strs != nil:
		return t.strs[i]
	case t.bools != nil:
		return t.bools[i]
	}
	v := t.nums[i]
	if math.IsNaN(v) {
		return nil
	}
	return v
}

// tensorOut is an output tensor: FP32 numbers or BYTES texts.
type tensorOut struct {
	name, datatype string
	shape          []int64
	f32            []float32
	strs           []string
}

// oipError is an inference error with the HTTP status it maps to.
type oipError struct {
	status int
	msg    string
}

func (e *oipError) Error() string { return e.msg }

// badInput returns a 400 error.
func badInput(format string, args ...any) error {
	return &oipError{status: 400, msg: fmt.Sprintf(format, args...)}
}

// outputNames lists a model's outputs.
func outputNames(p *model.Predictor) []string {
	if p.Task() == model.Regression {
		return []string{"value"}
	}
	return []string{"label", "probabilities"}
}

// inputDatatype is the datatype a model input is described with.
func inputDatatype(in serving.Input) string {
	switch in.Kind {
	case "numeric", "boolean":
		return "FP32"
	}
	return "BYTES"
}

// infer runs the model on decoded inputs and returns the requested outputs (all when want is
// empty).
func infer(lm *serving.Loaded, ins []tensorIn, want []string) ([]tensorOut, error) {
	n := -1
	byName := make(map[string]*tensorIn, len(ins))
	for i := range ins {
		t := &ins[i]
		if _, dup := byName[t.name]; dup {
			return nil, badInput("input %q is given twice", t.name)
		}
		byName[t.name] = t
		if err := checkShape(t); err != nil {
			return nil, err
		}
		if n >= 0 && t.len() != n {
			return nil, badInput("input %q has %d rows, input %q has %d: every input needs one value per row", t.name, t.len(), ins[0].name, n)
		}
		n = t.len()
	}
	var missing []string
	for _, in := range lm.Inputs {
		if byName[in.Name] == nil {
			missing = append(missing, in.Name)
		}
	}
	if len(missing) > 0 {
		return nil, badInput("missing input tensors %q: the model takes one tensor per input column (see GET /v2/models/%s)", missing, lm.Ref.ID)
	}
	for _, t := range ins {
		if _, ok := lm.InputIndex(t.name); !ok {
			return nil, badInput("unknown input %q: the model's inputs are %q", t.name, lm.InputNames())
		}
	}
	outs := outputNames(lm.Predictor)
	for _, w := range want {
		if !slices.Contains(outs, w) {
			return nil, badInput("unknown output %q: the model's outputs are %q", w, outs)
		}
	}
	if len(want) == 0 {
		want = outs
	}
	p := lm.Predictor
	k := len(p.Classes())
	labels := make([]string, 0, n)
	var probs []float32
	if k > 0 {
		probs = make([]float32, 0, n*k)
	}
	values := make([]float32, 0, n)
	fields := make(serving.MapFields, len(ins))
	var pred model.Prediction
	for i := range n {
		for j := range ins {
			fields[ins[j].name] = ins[j].value(i)
		}
		row, _, err := lm.Row(fields)
		if err == nil {
			err = lm.PredictLocal(row, &pred) // an image model's input is an image, not a row
		}
		if err != nil {
			return nil, badInput("row %d: %v", i, err)
		}
		if k == 0 {
			values = append(values, float32(pred.Value))
			continue
		}
		labels = append(labels, pred.Label)
		for _, v := range pred.Probabilities {
			probs = append(probs, float32(v))
		}
	}
	var res []tensorOut
	for _, w := range want {
		switch w {
		case "label":
			res = append(res, tensorOut{name: w, datatype: "BYTES", shape: []int64{int64(n)}, strs: labels})
		case "probabilities":
			res = append(res, tensorOut{name: w, datatype: "FP32", shape: []int64{int64(n), int64(k)}, f32: probs})
		case "value":
			res = append(res, tensorOut{name: w, datatype: "FP32", shape: []int64{int64(n), 1}, f32: values})
		}
	}
	return res, nil
}

// checkShape accepts [N] and [N, 1] with N matching the elements.
func checkShape(t *tensorIn) error {
	ok := len(t.shape) == 1 || (len(t.shape) == 2 && t.shape[1] == 1)
	if !ok || t.shape[0] < 0 || t.shape[0] != int64(t.len()) {
		return badInput("input %q: shape %v with %d elements; want [N, 1] (or [N]) with N elements, one per row", t.name, t.shape, t.len())
	}
	return nil
}

// elemSize is the byte size of a fixed-size datatype (0 for BYTES or unknown).
func elemSize(dt string) int {
	switch dt {
	case "BOOL", "INT8", "UINT8":
		return 1
	case "INT16", "UINT16", "FP16", "BF16":
		return 2
	case "INT32", "UINT32", "FP32":
		return 4
	case "INT64", "UINT64", "FP64":
		return 8
	}
	return 0
}

// decodeRaw decodes little-endian raw tensor bytes into t.
func decodeRaw(t *tensorIn, raw []byte) error {
	if t.datatype == "BYTES" {
		var strs []string
		for len(raw) > 0 {
			if len(raw) < 4 {
				return badInput("input %q: truncated BYTES element", t.name)
			}
			l := binary.LittleEndian.Uint32(raw)
			raw = raw[4:]
			if uint64(l) > uint64(len(raw)) {
				return badInput("input %q: BYTES element of %d bytes runs past the data", t.name, l)
			}
			strs = append(strs, string(raw[:l]))
			raw = raw[l:]
		}
		if strs == nil {
			strs = []string{}
		}
		t.strs = strs
		return nil
	}
	sz := elemSize(t.datatype)
	if sz == 0 || t.datatype == "FP16" || t.datatype == "BF16" {
		return badInput("input %q: datatype %q is not supported; use FP32, FP64, INT64, INT32, BOOL or BYTES", t.name, t.datatype)
	}
	if len(raw)%sz != 0 {
		return badInput("input %q: %d bytes is not a whole number of %s elements", t.name, len(raw), t.datatype)
	}
	n := len(raw) / sz
	if t.datatype == "BOOL" {
		t.bools = make([]bool, n)
		for i := range n {
			t.bools[i] = raw[i] != 0
		}
		return nil
	}
	t.nums = make([]float64, n)
	le := binary.LittleEndian
	for i := range n {
		b := raw[i*sz : (i+1)*sz]
		var v float64
		switch t.datatype {
		case "FP32":
			v = float64(math.Float32frombits(le.Uint32(b)))
		case "FP64":
			v = math.Float64frombits(le.Uint64(b))
		case "INT8":
			v = float64(int8(b[0]))
		case "UINT8":
			v = float64(b[0])
		case "INT16":
			v = float64(int16(le.Uint16(b)))
		case "UINT16":
			v = float64(le.Uint16(b))
		case "INT32":
			v = float64(int32(le.Uint32(b)))
		case "UINT32":
			v = float64(le.Uint32(b))
		case "INT64":
			v = float64(int64(le.Uint64(b)))
		case "UINT64":
			v = float64(le.Uint64(b))
		}
		t.nums[i] = v
	}
	return nil
}

// encodeRaw encodes an output tensor as little-endian raw bytes.
func encodeRaw(t *tensorOut) []byte {
	if t.datatype == "BYTES" {
		n := 0
		for _, s := range t.strs {
			n += 4 + len(s)
		}
		b := make([]byte, 0, n)
		for _, s := range t.strs {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
			b = append(b, s...)
		}
		return b
	}
	b := make([]byte, 0, 4*len(t.f32))
	for _, v := range t.f32 {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// checkVersion accepts "" and "1".
func checkVersion(v string) error {
	if v == "" || v == oipVersion {
		return nil
	}
	return &oipError{status: 404, msg: fmt.Sprintf("model version %q not found: every model has the one version %q", v, oipVersion)}
}
