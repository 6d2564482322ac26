package prep

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzPipelineJSON decodes arbitrary pipeline JSON: it must load or fail,
// and a pipeline that loads must encode rows without panicking.
func FuzzPipelineJSON(f *testing.F) {
	frame := small(f)
	for _, mode := range []Mode{Trees, Linear} {
		fit, err := FitTransform(context.Background(), frame, Options{Target: "y", Mode: mode, TargetEncodeLevels: 2})
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(fit.Pipeline)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"mode":"trees","label":{"column":"y","task":"regression"},"steps":[{"column":"a","kind":"categorical","encoder":"onehot","out":["a=x"],"levels":["x"],"otherLevels":["z"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Pipeline
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		if _, err := p.Transform(frame); err != nil {
			return
		}
		row := map[string]any{}
		for _, name := range p.InputNames() {
			row[name] = "zzz"
		}
		p.EncodeMap(row, nil, nil)
		row = map[string]any{}
		for _, name := range p.InputNames() {
			row[name] = nil
		}
		p.EncodeMap(row, nil, nil)
	})
}
