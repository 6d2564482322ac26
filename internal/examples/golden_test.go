package examples

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the examples Generate writes now")

// goldenCases are models whose examples are kept in testdata, byte for byte.
var goldenCases = []struct {
	name string
	url  string
	m    *trainyardv1.Model
	row  map[string]string
}{
	{"tabular_http", "http://127.0.0.1:8080/", testModel(), map[string]string{"tenure": "3"}},
	{"tabular_https", "https://ml.example.com", testModel(), nil},
	{"regression_http", "http://ml.internal", &trainyardv1.Model{Id: "0190aaaa-0000-7000-8000-000000000002", Features: testModel().GetFeatures()[:2]}, nil},
	{"image_http", "http://127.0.0.1:8080", imageModel(trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION), nil},
	{"detection_https", "https://ml.example.com", imageModel(trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION), nil},
}

// imageModel is an image model whose feature carries a picture as its example, as the
// pipeline stores it.
func imageModel(pt trainyardv1.ProblemType) *trainyardv1.Model {
	return &trainyardv1.Model{Id: "0190aaaa-0000-7000-8000-000000000003", Classes: []string{"shirt", "boot"}, ProblemType: pt,
		Features: []*trainyardv1.FeatureSpec{{Name: "image", Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE, Example: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="}}}
}

// TestGolden compares every example with testdata/<case>.golden (go test -update rewrites
// them).
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		ex := Generate(c.url, c.m, c.row)
		var b strings.Builder
		for _, s := range []struct{ name, code string }{
			{"curl", ex.GetCurl()}, {"python", ex.GetPython()}, {"typescript", ex.GetTypescript()},
			{"grpcurl", ex.GetGrpcurl()}, {"tritonclient", ex.GetTritonclient()},
		} {
			fmt.Fprintf(&b, "=== %s\n%s\n", s.name, s.code)
		}
		path := filepath.Join("testdata", c.name+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("Generate(%s) differs from %s (go test -update rewrites it):\n%s", c.name, path, b.String())
		}
	}
}
