package server

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestPredictResponseJSONMatchesProtojson: the hand-written REST answer reads back as the
// gateway's protojson answer for random responses (awkward text, numbers of every size, zero
// members of the oneof, contributions with zero fields), and declines what it cannot write.
func TestPredictResponseJSONMatchesProtojson(t *testing.T) {
	texts := []string{"", "yes", `say "hi"`, `back\slash`, "tab\there", "line\nbreak", "\x01\x1f", "é ✓ 日本", "\u2028", "</script>"}
	numbers := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, -2.5e22, 123456789.125, math.SmallestNonzeroFloat64, math.MaxFloat64}
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string { return texts[rng.IntN(len(texts))] }
	number := func() float64 { return numbers[rng.IntN(len(numbers))] }
	m := newJSONMarshaler()
	for i := range 2000 {
		res := &trainyardv1.PredictResponse{}
		if rng.IntN(4) > 0 {
			res.ModelId = text()
		}
		for range rng.IntN(4) {
			p := &trainyardv1.Prediction{Error: text()}
			switch rng.IntN(3) {
			case 0:
				p.Result = &trainyardv1.Prediction_Label{Label: text()}
			case 1:
				p.Result = &trainyardv1.Prediction_Value{Value: number()}
			}
			if rng.IntN(2) == 0 {
				p.Probabilities = map[string]float64{}
				for range rng.IntN(4) {
					p.Probabilities[text()] = number()
				}
			}
			for range rng.IntN(3) {
				p.Contributions = append(p.Contributions, &trainyardv1.FeatureContribution{Feature: text(), Contribution: number(), Value: text()})
			}
			for range rng.IntN(3) {
				p.Warnings = append(p.Warnings, text())
			}
			res.Predictions = append(res.Predictions, p)
		}
		want, err := m.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendPredictResponse(nil, res)
		if !ok {
			t.Fatalf("case %d: declined %v", i, res)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("case %d: %s is not JSON: %v", i, got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Fatalf("case %d: %s\nprotojson %s\n(-protojson +hand):\n%s", i, got, want, diff)
		}
	}
	for name, res := range map[string]*trainyardv1.PredictResponse{
		"NaN value":    {Predictions: []*trainyardv1.Prediction{{Result: &trainyardv1.Prediction_Value{Value: math.NaN()}}}},
		"infinite p":   {Predictions: []*trainyardv1.Prediction{{Probabilities: map[string]float64{"a": math.Inf(1)}}}},
		"invalid text": {ModelId: "\xff"},
		"bad key":      {Predictions: []*trainyardv1.Prediction{{Probabilities: map[string]float64{"\xfe": 1}}}},
		"objects":      {Predictions: []*trainyardv1.Prediction{{Objects: []*trainyardv1.DetectedObject{{Label: "cat"}}}}},
	} {
		if _, ok := appendPredictResponse(nil, res); ok {
			t.Errorf("%s: written by hand, want it left to protojson", name)
		}
	}
}
