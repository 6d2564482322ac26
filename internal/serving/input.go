package serving

import (
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/ml/model"
)

// Input is one input column of a loaded model.
type Input struct {
	// Name of the column, as in the training data.
	Name string
	// Kind at training: numeric, categorical, boolean, datetime, text or id; "image" for the
	// one input of an image model.
	Kind string
	// levels are the categories seen at training (categorical and id columns); nil when the
	// model keeps no list (then no value is reported as unseen).
	levels map[string]bool
}

// inputsOf lists the input columns of an artifact with their known levels.
func inputsOf(a *model.Artifact) ([]Input, map[string]int) {
	if a.Image != nil {
		return []Input{{Name: model.ImageInput, Kind: kindImage}}, map[string]int{model.ImageInput: 0}
	}
	ins := make([]Input, len(a.Schema))
	index := make(map[string]int, len(a.Schema))
	for i, c := range a.Schema {
		ins[i] = Input{Name: c.Name, Kind: c.Kind}
		index[c.Name] = i
	}
	for _, p := range a.Pipelines {
		for _, s := range p.Steps {
			i, ok := index[s.Column]
			if !ok || len(s.Levels)+len(s.OtherLevels) == 0 {
				continue
			}
			if ins[i].levels == nil {
				ins[i].levels = map[string]bool{}
			}
			for _, l := range s.Levels {
				ins[i].levels[l] = true
			}
			for _, l := range s.OtherLevels {
				ins[i].levels[l] = true
			}
		}
	}
	return ins, index
}

// InputNames returns the names of the model's inputs in schema order.
func (m *Loaded) InputNames() []string {
	out := make([]string, len(m.Inputs))
	for i, in := range m.Inputs {
		out[i] = in.Name
	}
	return out
}

// InputIndex returns the position of the input named name in Inputs.
func (m *Loaded) InputIndex(name string) (int, bool) {
	i, ok := m.index[name]
	return i, ok
}

// RowError is why one request row cannot be scored. Its message names the fields at fault
// and says what to send instead.
type RowError struct{ Msg string }

func (e *RowError) Error() string { return e.Msg }

// Fields is one request row: the value of each field by name, decoded from JSON (nil, float64,
// string, bool, or a list or object, which no input takes) or read from a tensor.
type Fields interface {
	// Field returns the value of the field named name.
	Field(name string) (any, bool)
	// Len is how many fields the row has.
	Len() int
	// Names yields the name of every field, in no particular order.
	Names() iter.Seq[string]
}

// MapFields is a row held in a map.
type MapFields map[string]any

// Field implements Fields.
func (f MapFields) Field(name string) (any, bool) {
	v, ok := f[name]
	return v, ok
}

// Len implements Fields.
func (f MapFields) Len() int { return len(f) }

// Names implements Fields.
func (f MapFields) Names() iter.Seq[string] { return maps.Keys(f) }

// Values is a request row checked by Row: the value of each input, in Inputs order.
type Values []any

// Map returns row by input name.
func (m *Loaded) Map(row Values) map[string]any {
	out := make(map[string]any, len(row))
	for i, in := range m.Inputs {
		out[in.Name] = row[i]
	}
	return out
}

// Row checks one request row and returns the values to predict with.
// The handling, also documented in the API:
//
//   - A field the model reads but the row lacks is an error naming every such field; send
//     null (or "") for a value that is unknown, and the model handles it as missing, as in
//     training.
//   - A field the model does not read is ignored, with a warning.
//   - Numeric inputs take numbers, or text that is a number; "" and null are missing.
//     Anything else is an error naming the field and the value.
//   - Categorical, ID and text inputs take text; numbers and booleans are used as their text
//     ("3", "true"). A category not seen in training is accepted, treated as the training
//     pipeline treats unseen levels (like a missing value for trees, all-zero one-hot for linear
//     models), and reported in a warning.
//   - Boolean inputs take true/false, 0/1 or their usual spellings (yes/no, t/f, y/n).
//   - Datetime inputs take text in the training data's layout (ISO 8601 works).
//   - The image input of an image model takes the image's bytes (PNG, JPEG, GIF or WebP) as
//     base64 text, optionally as a data: URL, or as the raw bytes themselves (an OIP BYTES
//     element); the value passed on is the decoded bytes.
func (m *Loaded) Row(fields Fields) (Values, []string, error) {
	row := make(Values, len(m.Inputs))
	var warnings, problems []string
	var absent []string
	for i, in := range m.Inputs {
		v, ok := fields.Field(in.Name)
		if !ok {
			absent = append(absent, in.Name)
			continue
		}
		cv, warn, err := in.convert(v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if warn != "" {
			warnings = append(warnings, warn)
		}
		row[i] = cv
	}
	if fields.Len() > len(m.Inputs)-len(absent) {
		var extra []string
		for k := range fields.Names() {
			if _, ok := m.index[k]; !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		for _, k := range extra {
			warnings = append(warnings, fmt.Sprintf("ignored field %q: the model does not read it", k))
		}
	}
	if len(absent) > 0 {
		problems = append([]string{fmt.Sprintf("missing %s %s (send null for an unknown value)",
			plural(len(absent), "feature", "features"), quoteList(absent))}, problems...)
	}
	if len(problems) > 0 {
		return nil, warnings, &RowError{Msg: strings.Join(problems, "; ")}
	}
	return row, warnings, nil
}

// convert checks and converts one value for the input.
func (in *Input) convert(v any) (any, string, error) {
	switch v.(type) {
	case nil:
		return nil, "", nil
	case map[string]any:
		return nil, "", fmt.Errorf("feature %q is an object; want %s", in.Name, in.want())
	case []any:
		return nil, "", fmt.Errorf("feature %q is a list; want %s", in.Name, in.want())
	}
	switch in.Kind {
	case kindImage:
		b, err := imageBytes(v)
		if err != nil {
			return nil, "", fmt.Errorf("feature %q: %w", in.Name, err)
		}
		return b, "", nil
	case "numeric":
		switch x := v.(type) {
		case float64:
			return x, "", nil
		case string:
			t := strings.TrimSpace(x)
			if t == "" {
				return nil, "", nil
			}
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return nil, "", fmt.Errorf("feature %q: %q is not a number", in.Name, x)
			}
			return f, "", nil
		case bool:
			return nil, "", fmt.Errorf("feature %q: %v is a boolean; want a number", in.Name, x)
		}
	case "boolean":
		switch x := v.(type) {
		case bool, string:
			return x, "", nil
		case float64:
			if x == 0 || x == 1 {
				return x == 1, "", nil
			}
			return nil, "", fmt.Errorf("feature %q: %v is not a boolean; want true/false or 0/1", in.Name, x)
		}
	default: // categorical, id, text, datetime
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = formatNumber(x)
		case bool:
			s = strconv.FormatBool(x)
		}
		if in.levels != nil && s != "" && !in.levels[s] && !in.levels[strings.TrimSpace(s)] {
			return s, fmt.Sprintf("unseen category %q for %q: treated as an unknown level", s, in.Name), nil
		}
		return s, "", nil
	}
	return nil, "", fmt.Errorf("feature %q: unsupported value %v; want %s", in.Name, v, in.want())
}

// want says what an input takes.
func (in *Input) want() string {
	switch in.Kind {
	case "numeric":
		return "a number"
	case "boolean":
		return "true or false"
	case "datetime":
		return "a date as text"
	case kindImage:
		return "an image as base64 text"
	}
	return "text"
}

// formatNumber writes a number as training data would spell it ("3", not "3.0").
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
