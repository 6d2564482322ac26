package reasoner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Schema is the subset of JSON Schema that decisions need: a type, string
// enums, object properties with required names and no others, array items,
// and numeric bounds. It marshals to standard JSON Schema, so it can be
// handed to a model as the answer format.
type Schema struct {
	// Type is "object", "array", "string", "number", "integer" or "boolean".
	Type string `json:"type"`
	// Description says what the value means.
	Description string `json:"description,omitempty"`
	// Enum lists the allowed strings of a string value.
	Enum []string `json:"enum,omitempty"`
	// Properties describe the fields of an object.
	Properties map[string]*Schema `json:"properties,omitempty"`
	// Required lists the fields an object must have.
	Required []string `json:"required,omitempty"`
	// Items describes the elements of an array.
	Items *Schema `json:"items,omitempty"`
	// Minimum and Maximum bound a number.
	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`
}

// Bound returns a pointer to v, for Schema.Minimum and Maximum.
func Bound(v float64) *float64 { return &v }

// StringEnum returns the schema of a string that must be one of values.
func StringEnum(description string, values ...string) *Schema {
	return &Schema{Type: "string", Description: description, Enum: values}
}

// Validate checks a JSON document against the schema. Objects may not carry
// fields the schema does not name.
func (s *Schema) Validate(doc json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return s.check("$", v)
}

func (s *Schema) check(path string, v any) error {
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %s", path, jsonKind(v))
		}
		for _, name := range s.Required {
			if _, ok := obj[name]; !ok {
				return fmt.Errorf("%s: missing field %q", path, name)
			}
		}
		names := make([]string, 0, len(obj))
		for name := range obj {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			ps, ok := s.Properties[name]
			if !ok {
				return fmt.Errorf("%s: unexpected field %q", path, name)
			}
			if err := ps.check(path+"."+name, obj[name]); err != nil {
				return err
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %s", path, jsonKind(v))
		}
		if s.Items != nil {
			for i, e := range arr {
				if err := s.Items.check(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
					return err
				}
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: want a string, got %s", path, jsonKind(v))
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			return fmt.Errorf("%s: %q is not one of %s", path, str, enumList(s.Enum))
		}
	case "number", "integer":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s: want a number, got %s", path, jsonKind(v))
		}
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if s.Type == "integer" && strings.ContainsAny(n.String(), ".eE") && f != float64(int64(f)) {
			return fmt.Errorf("%s: want an integer, got %s", path, n)
		}
		if s.Minimum != nil && f < *s.Minimum {
			return fmt.Errorf("%s: %s is below the minimum %v", path, n, *s.Minimum)
		}
		if s.Maximum != nil && f > *s.Maximum {
			return fmt.Errorf("%s: %s is above the maximum %v", path, n, *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: want a boolean, got %s", path, jsonKind(v))
		}
	default:
		return fmt.Errorf("%s: schema has unknown type %q", path, s.Type)
	}
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// enumList shows up to 8 allowed values.
func enumList(values []string) string {
	if len(values) <= 8 {
		return fmt.Sprintf("%q", values)
	}
	return fmt.Sprintf("%q and %d more", values[:8], len(values)-8)
}
