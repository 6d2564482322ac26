package image

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestFitClassifierHeldOut: the classifier FitClassifier returns names the examples it held
// out, distinct and as many as ValidationShare asks, and they are the ones its recorded
// validation accuracy was measured on; the saved classifier does not carry them.
func TestFitClassifierHeldOut(t *testing.T) {
	tr, _ := fashion(t, 10, 0)
	p := ClassifierParams{Seed: 7, SkipNet: true, ValidationShare: 0.3, Budget: 20 * time.Second}
	c, err := FitClassifier(context.Background(), tr, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := int(0.3 * float64(len(tr))); len(c.HeldOut) != want {
		t.Fatalf("FitClassifier held out %d of %d examples, want %d", len(c.HeldOut), len(tr), want)
	}
	seen := map[int]bool{}
	held := make([]Example, len(c.HeldOut))
	for i, j := range c.HeldOut {
		if j < 0 || j >= len(tr) || seen[j] {
			t.Fatalf("HeldOut = %v: index %d repeated or outside [0, %d)", c.HeldOut, j, len(tr))
		}
		seen[j], held[i] = true, tr[j]
	}
	got, err := c.Predict(held)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, e := range held {
		if got[i] == e.Label {
			right++
		}
	}
	acc, want := float64(right)/float64(len(held)), c.Candidates[0].ValidationAccuracy
	if acc != want {
		t.Errorf("accuracy on the HeldOut examples = %.4f, want the recorded validation accuracy %.4f", acc, want)
	}
	if acc == 1 {
		t.Errorf("accuracy 1 on the HeldOut examples: too easy to tell them from others")
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Classifier
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.HeldOut != nil || !slices.Equal(back.Classes, c.Classes) {
		t.Errorf("decoded classifier: HeldOut %v, classes %v; want no held-out record, classes %v", back.HeldOut, back.Classes, c.Classes)
	}
}
