package client

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// Rows are instances to score: the column names in input order and one map per row.
type Rows struct {
	// Columns are the names in the order the input had them.
	Columns []string
	// Values holds each row's cells by column; CSV cells are strings, JSON keeps its types.
	Values []map[string]any
}

// ReadRows reads rows from CSV (a header line, then rows) or JSON (an array of objects, one
// object, or {"instances": [...]}). json says which; otherwise the first non-space byte
// decides ('[' or '{' is JSON).
func ReadRows(r io.Reader, isJSON bool) (Rows, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Rows{}, err
	}
	trimmed := bytes.TrimSpace(b)
	if isJSON || (len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{')) {
		return readJSONRows(trimmed)
	}
	return readCSVRows(b)
}

func readCSVRows(b []byte) (Rows, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return Rows{}, fmt.Errorf("read CSV: %w", err)
	}
	if len(recs) < 2 {
		return Rows{}, errors.New("the CSV has no rows under its header line")
	}
	out := Rows{Columns: recs[0]}
	for i, rec := range recs[1:] {
		if len(rec) != len(out.Columns) {
			return Rows{}, fmt.Errorf("CSV line %d has %d cells, the header has %d", i+2, len(rec), len(out.Columns))
		}
		m := make(map[string]any, len(rec))
		for j, v := range rec {
			m[out.Columns[j]] = v
		}
		out.Values = append(out.Values, m)
	}
	return out, nil
}

func readJSONRows(b []byte) (Rows, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Rows{}, fmt.Errorf("read JSON: %w", err)
	}
	if m, ok := v.(map[string]any); ok {
		if inst, ok := m["instances"]; ok && len(m) == 1 {
			v = inst
		} else {
			v = []any{m}
		}
	}
	list, ok := v.([]any)
	if !ok {
		return Rows{}, errors.New(`read JSON: want an array of objects or {"instances": [...]}`)
	}
	var out Rows
	seen := map[string]bool{}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return Rows{}, fmt.Errorf("read JSON: row %d is not an object", i+1)
		}
		keys := make([]string, 0, len(m))
		for k, x := range m {
			if n, ok := x.(json.Number); ok {
				f, err := n.Float64()
				if err != nil {
					return Rows{}, fmt.Errorf("read JSON: row %d, %q: %w", i+1, k, err)
				}
				m[k] = f
			}
			if !seen[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			seen[k] = true
			out.Columns = append(out.Columns, k)
		}
		out.Values = append(out.Values, m)
	}
	if len(out.Values) == 0 {
		return Rows{}, errors.New("read JSON: no rows")
	}
	return out, nil
}

// Instances converts rows into Predict's inputs, typing text cells by the model's features:
// numeric inputs become numbers, boolean inputs true/false, empty cells null. A cell of an
// image input that names a picture file (relative to dir) becomes that picture, sent as bytes;
// base64 text stays as it is. Columns the model does not take are passed on as they are (the
// server ignores or reports them).
func Instances(rows Rows, features []*trainyardv1.FeatureSpec, dir string) (Inputs, error) {
	kinds := make(map[string]trainyardv1.FeatureKind, len(features))
	for _, f := range features {
		kinds[f.GetName()] = f.GetKind()
	}
	out := Inputs{Instances: make([]*structpb.Struct, len(rows.Values)), Pictures: make([]Picture, len(rows.Values))}
	for i, row := range rows.Values {
		inst, pic, err := instance(row, kinds, dir)
		if err != nil {
			return Inputs{}, fmt.Errorf("row %d, %w", i+1, err)
		}
		out.Instances[i], out.Pictures[i] = inst, pic
	}
	return out, nil
}

// instance converts one row; a picture file of its image input is returned apart.
func instance(row map[string]any, kinds map[string]trainyardv1.FeatureKind, dir string) (*structpb.Struct, Picture, error) {
	fields := make(map[string]*structpb.Value, len(row))
	var pic Picture
	for k, v := range row {
		if s, ok := v.(string); ok && kinds[k] == trainyardv1.FeatureKind_FEATURE_KIND_IMAGE {
			p, isFile, err := pictureCell(s, dir)
			if err != nil {
				return nil, Picture{}, fmt.Errorf("column %q: %w", k, err)
			}
			if isFile {
				pic = p
				continue
			}
		}
		val, err := cellValue(v, kinds[k])
		if err != nil {
			return nil, Picture{}, fmt.Errorf("column %q: %w", k, err)
		}
		fields[k] = val
	}
	return &structpb.Struct{Fields: fields}, pic, nil
}

// cellValue types one cell.
func cellValue(v any, kind trainyardv1.FeatureKind) (*structpb.Value, error) {
	s, isText := v.(string)
	if !isText {
		return structpb.NewValue(v)
	}
	t := strings.TrimSpace(s)
	switch kind {
	case trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC:
		if t == "" || strings.EqualFold(t, "na") || strings.EqualFold(t, "nan") || strings.EqualFold(t, "null") {
			return structpb.NewNullValue(), nil
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return structpb.NewStringValue(s), nil // let the server say what is wrong
		}
		return structpb.NewNumberValue(f), nil
	case trainyardv1.FeatureKind_FEATURE_KIND_UNSPECIFIED:
		if t == "" {
			return structpb.NewNullValue(), nil
		}
		return structpb.NewStringValue(s), nil
	}
	if t == "" {
		return structpb.NewNullValue(), nil
	}
	return structpb.NewStringValue(s), nil
}

// PredictionColumns are the column names WritePredictions adds after the input's.
func PredictionColumns(classes []string) []string {
	cols := []string{"prediction"}
	for _, c := range classes {
		cols = append(cols, "probability_"+c)
	}
	return append(cols, "error")
}

// WritePredictions writes the input rows with their predictions as CSV: the input's columns,
// then prediction, one probability_<class> column per class, and error.
func WritePredictions(w io.Writer, rows Rows, preds []*trainyardv1.Prediction, classes []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{}, rows.Columns...), PredictionColumns(classes)...)); err != nil {
		return err
	}
	for i, p := range preds {
		rec := append(inputCells(rows, i), PredictionText(p))
		for _, c := range classes {
			if pr, ok := p.GetProbabilities()[c]; ok {
				rec = append(rec, strconv.FormatFloat(pr, 'g', 6, 64))
			} else {
				rec = append(rec, "")
			}
		}
		rec = append(rec, p.GetError())
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// inputCells returns row i's cells as text in the input's column order (empty cells for a row
// the input does not have), the first columns of a line of predictions.
func inputCells(rows Rows, i int) []string {
	out := make([]string, len(rows.Columns))
	if i < len(rows.Values) {
		for j, c := range rows.Columns {
			out[j] = cellText(rows.Values[i][c])
		}
	}
	return out
}

// PredictionText is a prediction's answer as text: the label, or the value.
func PredictionText(p *trainyardv1.Prediction) string {
	switch r := p.GetResult().(type) {
	case *trainyardv1.Prediction_Label:
		return r.Label
	case *trainyardv1.Prediction_Value:
		return strconv.FormatFloat(r.Value, 'g', -1, 64)
	}
	return ""
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
