package serving_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/internal/serving"
)

func TestVertexDecodeDetection(t *testing.T) {
	got, err := serving.DecodeDetection(map[string]any{
		"ids":          []any{"1", "2"},
		"displayNames": []any{"cat", "dog"},
		"confidences":  []any{0.4, 0.9},
		"bboxes":       []any{[]any{0.1, 0.5, 0.2, 0.6}, []any{0.0, 1.0, 0.3, 0.4}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []serving.Object{
		{Label: "dog", Confidence: 0.9, XMin: 0, XMax: 1, YMin: 0.3, YMax: 0.4},
		{Label: "cat", Confidence: 0.4, XMin: 0.1, XMax: 0.5, YMin: 0.2, YMax: 0.6},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DecodeDetection (-want +got):\n%s", d)
	}
	_, err = serving.DecodeDetection(map[string]any{"displayNames": []any{"cat"}, "confidences": []any{0.4}, "bboxes": []any{}})
	if err == nil || !strings.Contains(err.Error(), "0 boxes") {
		t.Errorf("DecodeDetection(no boxes) = %v, want an error counting them", err)
	}
}
