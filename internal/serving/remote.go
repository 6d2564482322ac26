package serving

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/ml/model"
)

// Remote answers the predictions of models deployed on an endpoint of another service — a
// Vertex AI endpoint running Trainyard's serving container (vertex.Client implements it).
// Instances are rows of column → value as Loaded.Row returns them; each prediction is
// {"label": L, "probabilities": {class: p}} for a classifier (or AutoML tabular's
// {"classes": [...], "scores": [...]}, the label being the likeliest class) or {"value": v}
// for a regressor. An image model's endpoint is an AutoML image classifier: it gets
// {"content": base64} and answers {"displayNames": [...], "confidences": [...]}.
type Remote interface {
	// PredictWith sends instances with the model's prediction parameters (nil for none).
	PredictWith(ctx context.Context, endpoint string, instances []any, params map[string]any) ([]any, error)
}

// Remote reports whether the model's predictions go through an endpoint (Endpoint names it).
func (m *Loaded) Remote() bool { return m.remote != nil }

// Predict scores one row checked by Row: through the model's endpoint when it has one, else
// with the local predictor. The local artifact is the same model either way; it still checks
// rows and explains predictions.
func (m *Loaded) Predict(ctx context.Context, row Values, out *model.Prediction) error {
	if m.remote == nil {
		return m.PredictLocal(row, out)
	}
	var in any
	var params map[string]any
	if m.IsImage() { // AutoML image: {"content": base64}, every class's confidence asked for
		b, err := m.image(row)
		if err != nil {
			return err
		}
		in = map[string]any{"content": base64.StdEncoding.EncodeToString(b)}
		params = map[string]any{"confidenceThreshold": 0.0, "maxPredictions": float64(len(m.Predictor.Classes()))}
	} else {
		in = m.Map(row)
	}
	preds, err := m.remote.PredictWith(ctx, m.Endpoint, []any{in}, params)
	if err != nil {
		return fmt.Errorf("endpoint %s: %w", m.Endpoint, err)
	}
	return m.decodeRemote(preds[0], out)
}

// decodeRemote turns the endpoint's answer into a Prediction in the artifact's class order.
func (m *Loaded) decodeRemote(v any, out *model.Prediction) error {
	p, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("endpoint %s answered %T, want an object", m.Endpoint, v)
	}
	classes := m.Predictor.Classes()
	if len(classes) == 0 {
		val, ok := p["value"].(float64)
		if !ok {
			return fmt.Errorf("endpoint %s answered no numeric value", m.Endpoint)
		}
		out.Value = val
		return nil
	}
	label, _ := p["label"].(string)
	probs, _ := p["probabilities"].(map[string]any)
	cs, ok := p["classes"].([]any) // AutoML tabular: {"classes": [...], "scores": [...]}
	scores, _ := p["scores"].([]any)
	if names, isImage := p["displayNames"].([]any); isImage { // AutoML image
		cs, ok = names, true
		scores, _ = p["confidences"].([]any)
	}
	if ok {
		if len(scores) != len(cs) {
			return fmt.Errorf("endpoint %s answered %d classes and %d scores", m.Endpoint, len(cs), len(scores))
		}
		probs, label = make(map[string]any, len(cs)), ""
		best := -1.0
		for i, c := range cs {
			name, _ := c.(string)
			s, _ := scores[i].(float64)
			probs[name] = s
			if s > best {
				best, label = s, name
			}
		}
	}
	out.Label, out.Class = label, slices.Index(classes, label)
	if out.Class < 0 {
		return fmt.Errorf("endpoint %s answered label %q, which the model does not know", m.Endpoint, label)
	}
	out.Probabilities = slices.Grow(out.Probabilities[:0], len(classes))[:len(classes)]
	for i, c := range classes {
		pr, ok := probs[c].(float64)
		if !ok {
			return fmt.Errorf("endpoint %s answered no probability for class %q", m.Endpoint, c)
		}
		out.Probabilities[i] = pr
	}
	return nil
}
