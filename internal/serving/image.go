package serving

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// kindImage is the kind of an image model's input.
const kindImage = "image"

// imageBytes returns the encoded image a request field carries: raw bytes, raw bytes in a
// string (an OIP BYTES element), base64 (standard or URL alphabet, padded or not) or a
// data: URL.
func imageBytes(v any) ([]byte, error) {
	var s string
	switch x := v.(type) {
	case []byte:
		if image.Format(x) == "" {
			return nil, errors.New("the bytes are not a PNG, JPEG, GIF or WebP image")
		}
		return x, nil
	case string:
		s = x
	case nil:
		return nil, errors.New("no image: send the image as base64 text")
	default:
		return nil, fmt.Errorf("%T is not an image; want the image as base64 text", v)
	}
	if image.Format([]byte(s)) != "" {
		return []byte(s), nil
	}
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "data:") {
		if i := strings.Index(t, ","); i >= 0 {
			t = t[i+1:]
		}
	}
	t = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, t)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil {
			if image.Format(b) == "" {
				return nil, errors.New("the base64 text does not decode to a PNG, JPEG, GIF or WebP image")
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64 text of an image (PNG, JPEG, GIF or WebP)")
}

// IsImage reports whether the loaded model classifies images.
func (m *Loaded) IsImage() bool { return m.Predictor != nil && m.Predictor.Artifact().Image != nil }

// image returns the image of a row checked by Row for an image model (its one input).
func (m *Loaded) image(row Values) ([]byte, error) {
	if len(row) == 1 {
		if b, _ := row[0].([]byte); len(b) > 0 {
			return b, nil
		}
	}
	return nil, errors.New("no image: send the image as base64 text")
}

// PredictLocal scores a row checked by Row with the local artifact (never the endpoint): an
// image for an image model, else the row through the predictor.
func (m *Loaded) PredictLocal(row Values, out *model.Prediction) error {
	if !m.IsImage() {
		return m.Predictor.PredictValues(row, out)
	}
	b, err := m.image(row)
	if err != nil {
		return err
	}
	return m.Predictor.Artifact().PredictImage(b, out)
}
