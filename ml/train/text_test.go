package train

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// TestTrainTextMixed trains on fine_foods_reviews rows (free text beside a
// numeric column and a category) with a fixed number of trials: the text
// learner must win, the artifact must carry the vectorizer and predict raw
// text identically through every path after a save/load round trip.
func TestTrainTextMixed(t *testing.T) {
	f := read(t, "fine_foods_reviews.csv")
	f = f.Take(firstN(1200))
	// A numeric and a categorical column next to the text: the number of
	// exclamation marks and a length bucket.
	txt := f.Col("text")
	n := f.NRows()
	marks, bucket := make([]float64, n), make([]string, n)
	for i := range n {
		marks[i] = float64(strings.Count(txt.Str[i], "!"))
		bucket[i] = [...]string{"short", "medium", "long"}[min(2, len(txt.Str[i])/300)]
	}
	f, err := frame.New(txt, f.Col("label"), frame.NewNumeric("exclaims", marks), frame.NewStrings("length", frame.Categorical, bucket))
	if err != nil {
		t.Fatal(err)
	}
	trainF, testF := holdout(t, f, "label")
	res, err := Train(context.Background(), trainF, Options{Target: "label", Seed: 1, Trials: 6})
	if err != nil {
		t.Fatal(err)
	}
	var hasText bool
	for _, m := range res.Artifact.Members {
		if m.Text != nil {
			hasText = true
			if len(m.Text.Columns) != 1 || m.Text.Columns[0] != "text" || len(m.Text.Vectorizers[0].Terms) < 1000 || !m.Text.Dense {
				t.Errorf("text member columns %v with %d terms, dense %v; want [text], a real vocabulary, and the other columns stacked", m.Text.Columns, len(m.Text.Vectorizers[0].Terms), m.Text.Dense)
			}
		}
	}
	if !hasText {
		t.Fatalf("no text member among %+v", res.Search.Trials)
	}
	var buf bytes.Buffer
	if err := res.Artifact.Save(&buf); err != nil {
		t.Fatal(err)
	}
	a, err := model.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.PredictFrame(context.Background(), testF)
	if err != nil {
		t.Fatal(err)
	}
	label := testF.Col("label")
	ok := 0
	for i := range b.N {
		if p.Label(b, i) == label.Str[i] {
			ok++
		}
		if i < 20 {
			var d model.Prediction
			row := map[string]any{}
			for _, c := range testF.Columns {
				if c.Kind == frame.Numeric {
					row[c.Name] = c.Num[i]
				} else {
					row[c.Name] = c.Str[i]
				}
			}
			if err := p.PredictMap(row, &d); err != nil {
				t.Fatal(err)
			}
			for c, v := range d.Probabilities {
				if diff := v - b.Probabilities[i*b.Width+c]; diff > 1e-9 || diff < -1e-9 {
					t.Errorf("row %d: PredictMap %v, PredictFrame %v", i, d.Probabilities, b.Probabilities[i*b.Width:(i+1)*b.Width])
					break
				}
			}
		}
	}
	r, err := p.Bind([]string{"text", "exclaims", "length"})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := r.Explain([]string{"Great taste, my kids love it!!", "2", "short"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Contributions) == 0 || !slices.ContainsFunc(ex.Contributions, func(c model.Contribution) bool { return c.Column == "text" && c.Value != 0 }) {
		t.Errorf("Explain contributions %+v, want one for the text column", ex.Contributions)
	}
	acc := float64(ok) / float64(b.N)
	t.Logf("held-out accuracy %.3f on %d rows; members %v", acc, b.N, res.Search.Members[0].Candidate)
	if acc < 0.72 {
		t.Errorf("held-out accuracy %.3f, want at least 0.72 (majority class is 0.65)", acc)
	}
	if _, err := a.ONNX(model.ONNXOptions{}); err == nil || !strings.Contains(err.Error(), "native only") {
		t.Errorf("ONNX of a text model = %v, want a native-only error", err)
	}
}

func firstN(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
