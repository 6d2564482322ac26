package server

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// The REST Predict answer is written by hand: the gateway's protojson marshaler spent more
// CPU on one single-row answer than the model did. appendPredictResponse writes what protojson
// writes (camelCase names, unpopulated fields left out, a oneof's member even when zero, map
// keys sorted, numbers as encoding/json writes them) and declines what it does not handle the
// same way (non-finite numbers, invalid UTF-8, detected objects), which then goes through
// protojson. predict_json_out_internal_test.go checks the two agree.

// appendPredictResponse appends res as JSON to dst; false means "marshal it with protojson".
func appendPredictResponse(dst []byte, res *trainyardv1.PredictResponse) ([]byte, bool) {
	ok := true
	dst = append(dst, '{')
	sep := fieldSep{}
	if len(res.GetPredictions()) > 0 {
		dst = sep.name(dst, "predictions", &ok)
		dst = append(dst, '[')
		for i, p := range res.GetPredictions() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var pok bool
			dst, pok = appendPrediction(dst, p)
			ok = ok && pok
		}
		dst = append(dst, ']')
	}
	if res.GetModelId() != "" {
		dst = sep.string(dst, "modelId", res.GetModelId(), &ok)
	}
	return append(dst, '}'), ok
}

// appendPrediction appends one prediction as JSON.
func appendPrediction(dst []byte, p *trainyardv1.Prediction) ([]byte, bool) {
	if len(p.GetObjects()) > 0 {
		return dst, false
	}
	ok := true
	dst = append(dst, '{')
	sep := fieldSep{}
	switch r := p.GetResult().(type) {
	case *trainyardv1.Prediction_Label:
		dst = sep.string(dst, "label", r.Label, &ok)
	case *trainyardv1.Prediction_Value:
		dst = sep.number(dst, "value", r.Value, &ok)
	}
	if probs := p.GetProbabilities(); len(probs) > 0 {
		dst = sep.name(dst, "probabilities", &ok)
		dst = append(dst, '{')
		keys := make([]string, 0, len(probs))
		for k := range probs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		inner := fieldSep{}
		for _, k := range keys {
			dst = inner.number(dst, k, probs[k], &ok)
		}
		dst = append(dst, '}')
	}
	if cs := p.GetContributions(); len(cs) > 0 {
		dst = sep.name(dst, "contributions", &ok)
		dst = append(dst, '[')
		for i, c := range cs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '{')
			inner := fieldSep{}
			if c.GetFeature() != "" {
				dst = inner.string(dst, "feature", c.GetFeature(), &ok)
			}
			if math.Float64bits(c.GetContribution()) != 0 {
				dst = inner.number(dst, "contribution", c.GetContribution(), &ok)
			}
			if c.GetValue() != "" {
				dst = inner.string(dst, "value", c.GetValue(), &ok)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if p.GetError() != "" {
		dst = sep.string(dst, "error", p.GetError(), &ok)
	}
	if ws := p.GetWarnings(); len(ws) > 0 {
		dst = sep.name(dst, "warnings", &ok)
		dst = append(dst, '[')
		for i, w := range ws {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, w, &ok)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), ok
}

// fieldSep writes the members of one JSON object, with a comma before all but the first.
type fieldSep struct{ more bool }

// name appends the member name key and its colon; invalid UTF-8 in key clears *ok.
func (s *fieldSep) name(dst []byte, key string, ok *bool) []byte {
	if s.more {
		dst = append(dst, ',')
	}
	s.more = true
	return append(appendJSONString(dst, key, ok), ':')
}

// string appends a member whose value is text; invalid UTF-8 clears *ok.
func (s *fieldSep) string(dst []byte, key, v string, ok *bool) []byte {
	return appendJSONString(s.name(dst, key, ok), v, ok)
}

// number appends a member whose value is a double; invalid UTF-8 in key or a non-finite v
// clears *ok.
func (s *fieldSep) number(dst []byte, key string, v float64, ok *bool) []byte {
	return appendJSONNumber(s.name(dst, key, ok), v, ok)
}

// appendJSONNumber writes v as encoding/json does: the shortest form that reads back as v,
// in exponent form below 1e-6 and from 1e21 on, with a two-digit negative exponent ("1e-7").
// JSON has no NaN or infinities: those clear *ok.
func appendJSONNumber(dst []byte, v float64, ok *bool) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		*ok = false
		return dst
	}
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		dst = strconv.AppendFloat(dst, v, 'e', -1, 64)
		if n := len(dst); dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1] // e-07 → e-7
			dst = dst[:n-1]
		}
		return dst
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// appendJSONString writes s as a JSON string, escaping quotes, backslashes and control
// characters; invalid UTF-8 (which protojson refuses) clears *ok.
func appendJSONString(dst []byte, s string, ok *bool) []byte {
	if !utf8.ValidString(s) {
		*ok = false
	}
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
