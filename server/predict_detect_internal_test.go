package server

import (
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestIsDetector: a model is a detector when its schema's problem type says so, not when the
// words appear anywhere in the schema.
func TestIsDetector(t *testing.T) {
	schema := func(m *trainyardv1.Model) []byte {
		b, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	detection := trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION
	for _, tc := range []struct {
		name string
		m    *ent.Model
		want bool
	}{
		{"detector", &ent.Model{FeatureSchema: schema(&trainyardv1.Model{ProblemType: detection})}, true},
		{"with an artifact", &ent.Model{ArtifactKey: "models/x/model.json.gz", FeatureSchema: schema(&trainyardv1.Model{ProblemType: detection})}, false},
		{"classifier naming it", &ent.Model{FeatureSchema: schema(&trainyardv1.Model{
			ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION, DisplayName: detection.String()})}, false},
		{"no schema", &ent.Model{}, false},
		{"not a schema", &ent.Model{FeatureSchema: []byte(`"` + detection.String() + `"`)}, false},
	} {
		if got := isDetector(tc.m); got != tc.want {
			t.Errorf("%s: isDetector = %v, want %v", tc.name, got, tc.want)
		}
	}
}
