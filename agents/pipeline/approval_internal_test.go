package pipeline

import (
	"context"
	"testing"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
)

// TestApprovalThreshold: with the default threshold, an analysis torn between two plausible
// targets or problem types stops for approval and a clear one trains at once, as when a
// confidence was the margin between the two best scores and the threshold 0.1. The margins
// were 0.035 and 0.05 for the first two (asked) and 0.1 to 0.7 for the others (trained); read
// as the chance that the pick beats its runner-up they are about 0.58 and 0.55 against 0.65 to
// 0.97, so a threshold left at 0.1 lets the torn ones train, and one raised past the middle of
// the scale (0.7) stops clear ones.
func TestApprovalThreshold(t *testing.T) {
	ctx := context.Background()
	p := New(Deps{}, Options{})
	for _, tc := range []struct {
		file, desc string
		ask        bool
	}{
		{"telco_churn.csv", "predict the contract and whether the customer churns", true}, // contract 0.9 over churn 0.865
		{"ames_housing.csv", "how many fireplaces does each house have?", true},           // regression 0.6 over multiclass 0.55
		{"telco_churn.csv", "predict which customers will churn", false},
		{"titanic.csv", "predict whether a passenger survived and their class", false}, // Survived 0.9 over Pclass 0.795
		{"digits.csv", "tell me what number each scanned image shows", false},          // multiclass 0.55 over regression 0.4
	} {
		f, err := frame.ReadFile(ctx, datasets.MustPath(t, tc.file), frame.ReadOptions{MaxRows: analysisSampleRows})
		if err != nil {
			t.Fatal(err)
		}
		an, err := p.analyzer.Analyze(ctx, tc.desc, f)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.file, tc.desc, err)
		}
		ask, why, d := p.decideApproval(&run{proj: &ent.Project{}}, an.Confidence)
		if ask != tc.ask {
			t.Errorf("%s %q: analysis confidence %.3f (%s on %s): asks for approval %v (%s), want %v",
				tc.file, tc.desc, an.Confidence, an.ProblemType, an.TargetColumn, ask, why, tc.ask)
		}
		// The approval decision never rates the option it takes below the other.
		if d.Confidence < 0.5 {
			t.Errorf("%s %q: approval decision %q with confidence %v, want ≥ 0.5", tc.file, tc.desc, d.Decision, d.Confidence)
		}
	}
}
