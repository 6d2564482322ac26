package serving

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"

	"github.com/trainyard/trainyard/ml/model"
)

// maxObjects is how many objects a detection asks the endpoint for.
const maxObjects = 100

// Object is one object a detection model found in an image: its label, the model's
// confidence and its box, corners as fractions (0 to 1) of the image's width and height.
type Object struct {
	Label                  string
	Confidence             float64
	XMin, YMin, XMax, YMax float64
}

// detector returns the Loaded of an object detection model: it has no artifact, its endpoint
// (an AutoML image object detection model) answers every prediction.
func (r *Registry) detector(ref Ref) (*Loaded, error) {
	if ref.Endpoint == "" || r.remote == nil {
		return nil, fmt.Errorf("model %s is an object detector served by its endpoint, and no endpoint backend is configured (--trainer-url vertex://...)", ref.ID)
	}
	return &Loaded{Ref: ref, Endpoint: ref.Endpoint, remote: r.remote, detect: true}, nil
}

// IsDetector reports whether the model finds objects in images (Detect) rather than
// predicting a label or value (Predict).
func (m *Loaded) IsDetector() bool { return m.detect }

// Detect finds the objects in the image of a request's fields (model.ImageInput: bytes,
// base64 text or a data: URL) through the model's endpoint, most confident first. AutoML
// image object detection gets {"content": base64} and answers {"displayNames": [...],
// "confidences": [...], "bboxes": [[xMin, xMax, yMin, yMax], ...]}.
func (m *Loaded) Detect(ctx context.Context, fields Fields) ([]Object, error) {
	if !m.detect {
		return nil, errors.New("the model is not an object detector")
	}
	img, _ := fields.Field(model.ImageInput)
	b, err := imageBytes(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", model.ImageInput, err)
	}
	in := map[string]any{"content": base64.StdEncoding.EncodeToString(b)}
	params := map[string]any{"confidenceThreshold": 0.0, "maxPredictions": float64(maxObjects)}
	preds, err := m.remote.PredictWith(ctx, m.Endpoint, []any{in}, params)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", m.Endpoint, err)
	}
	if len(preds) != 1 {
		return nil, fmt.Errorf("endpoint %s answered %d predictions for one image", m.Endpoint, len(preds))
	}
	return DecodeDetection(preds[0])
}

// DecodeDetection reads one AutoML image object detection prediction, most confident first.
func DecodeDetection(v any) ([]Object, error) {
	p, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("detection is %T, want an object", v)
	}
	names, _ := p["displayNames"].([]any)
	conf, _ := p["confidences"].([]any)
	boxes, _ := p["bboxes"].([]any)
	if len(names) != len(conf) || len(names) != len(boxes) {
		return nil, fmt.Errorf("detection has %d display names, %d confidences and %d boxes", len(names), len(conf), len(boxes))
	}
	out := make([]Object, len(names))
	for i := range names {
		name, ok1 := names[i].(string)
		c, ok2 := conf[i].(float64)
		bb, _ := boxes[i].([]any)
		if !ok1 || !ok2 || len(bb) != 4 {
			return nil, fmt.Errorf("object %d is %v with confidence %v and box %v", i, names[i], conf[i], boxes[i])
		}
		var xy [4]float64 // xMin, xMax, yMin, yMax
		for j := range xy {
			x, ok := bb[j].(float64)
			if !ok {
				return nil, fmt.Errorf("object %d: box coordinate %d is %v", i, j, bb[j])
			}
			xy[j] = x
		}
		out[i] = Object{Label: name, Confidence: c, XMin: xy[0], XMax: xy[1], YMin: xy[2], YMax: xy[3]}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Confidence > out[b].Confidence })
	return out, nil
}
