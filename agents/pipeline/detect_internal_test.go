package pipeline

import (
	"testing"

	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestIsDetectionProject: a project detects objects when its analysis's problem type says so,
// not when the words appear in the analysis's text.
func TestIsDetectionProject(t *testing.T) {
	analysis := func(pa *trainyardv1.ProblemAnalysis) *ent.Project { return &ent.Project{Analysis: protoJSON(pa)} }
	detection := trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION
	for _, tc := range []struct {
		name string
		proj *ent.Project
		want bool
	}{
		{"detection", analysis(&trainyardv1.ProblemAnalysis{ProblemType: detection}), true},
		{"named in the reasoning", analysis(&trainyardv1.ProblemAnalysis{
			ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION, Reasoning: "not " + detection.String()}), false},
		{"not analyzed yet", &ent.Project{}, false},
	} {
		if got := isDetectionProject(tc.proj); got != tc.want {
			t.Errorf("%s: isDetectionProject = %v, want %v", tc.name, got, tc.want)
		}
	}
}
