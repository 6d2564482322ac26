package client

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

func lookupOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trainyard", "credentials.json")
	if err := WriteCredentials(path, Settings{URL: "http://saved:8080", APIKey: "ty_saved"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("WriteCredentials mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	for _, tc := range []struct {
		name            string
		flagURL, flagKy string
		vars            map[string]string
		want            Settings
	}{
		{"file", "", "", nil, Settings{URL: "http://saved:8080", APIKey: "ty_saved", URLFrom: path, KeyFrom: path}},
		{"env over file", "", "", map[string]string{"TRAINYARD_URL": "http://env:1/", "TRAINYARD_API_KEY": "ty_env"},
			Settings{URL: "http://env:1", APIKey: "ty_env", URLFrom: "TRAINYARD_URL", KeyFrom: "TRAINYARD_API_KEY"}},
		{"flags over env", "http://flag:2", "ty_flag", map[string]string{"TRAINYARD_URL": "http://env:1", "TRAINYARD_API_KEY": "ty_env"},
			Settings{URL: "http://flag:2", APIKey: "ty_flag", URLFrom: "--url", KeyFrom: "--api-key"}},
		{"saved key only for its server", "http://other:3", "", nil, Settings{URL: "http://other:3", URLFrom: "--url"}},
		{"saved key for the same server", "http://SAVED:8080/", "", nil, Settings{URL: "http://SAVED:8080", APIKey: "ty_saved", URLFrom: "--url", KeyFrom: path}},
		{"nothing", "", "", map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "none")}, Settings{URL: DefaultURL, URLFrom: "default"}},
	} {
		vars := map[string]string{"XDG_CONFIG_HOME": dir}
		for k, v := range tc.vars {
			vars[k] = v
		}
		got, err := Resolve(tc.flagURL, tc.flagKy, lookupOf(vars))
		if err != nil {
			t.Errorf("%s: Resolve = %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: Resolve(%q, %q) mismatch (-want +got):\n%s", tc.name, tc.flagURL, tc.flagKy, diff)
		}
	}
	if _, err := Resolve("ftp://x", "", lookupOf(map[string]string{"XDG_CONFIG_HOME": dir})); err == nil {
		t.Errorf("Resolve(ftp://x) = nil error, want a bad URL error")
	}
	if err := (Settings{URL: "http://x"}).RequireKey(); err == nil || !strings.Contains(err.Error(), "trainyard login") {
		t.Errorf("RequireKey without a key = %v, want a hint to log in", err)
	}
}

func TestReadRows(t *testing.T) {
	csvIn := "a,b,c\n1,x,\n2.5,\"y, z\",true\n"
	got, err := ReadRows(strings.NewReader(csvIn), false)
	if err != nil {
		t.Fatal(err)
	}
	want := Rows{Columns: []string{"a", "b", "c"}, Values: []map[string]any{{"a": "1", "b": "x", "c": ""}, {"a": "2.5", "b": "y, z", "c": "true"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadRows(csv) mismatch (-want +got):\n%s", diff)
	}
	for _, in := range []string{`[{"a": 1, "b": "x"}]`, `{"instances": [{"a": 1, "b": "x"}]}`, `{"a": 1, "b": "x"}`} {
		got, err := ReadRows(strings.NewReader(in), false)
		want := Rows{Columns: []string{"a", "b"}, Values: []map[string]any{{"a": 1.0, "b": "x"}}}
		if err != nil || !cmp.Equal(want, got) {
			t.Errorf("ReadRows(%s) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"a,b\n", "a,b\n1\n", `[1, 2]`, `"x"`} {
		if _, err := ReadRows(strings.NewReader(in), false); err == nil {
			t.Errorf("ReadRows(%q) = nil error, want an error", in)
		}
	}
}

func TestInstances(t *testing.T) {
	rows := Rows{Columns: []string{"n", "c", "u"}, Values: []map[string]any{{"n": "2.5", "c": "red", "u": ""}, {"n": "", "c": "", "u": "q"}, {"n": "NA", "c": 3.0, "u": "1"}}}
	features := []*trainyardv1.FeatureSpec{
		{Name: "n", Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC},
		{Name: "c", Kind: trainyardv1.FeatureKind_FEATURE_KIND_CATEGORICAL},
	}
	got, err := Instances(rows, features, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{Instances: []*structpb.Struct{
		{Fields: map[string]*structpb.Value{"n": structpb.NewNumberValue(2.5), "c": structpb.NewStringValue("red"), "u": structpb.NewNullValue()}},
		{Fields: map[string]*structpb.Value{"n": structpb.NewNullValue(), "c": structpb.NewNullValue(), "u": structpb.NewStringValue("q")}},
		{Fields: map[string]*structpb.Value{"n": structpb.NewNullValue(), "c": structpb.NewNumberValue(3), "u": structpb.NewStringValue("1")}},
	}, Pictures: make([]Picture, 3)}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Instances mismatch (-want +got):\n%s", diff)
	}
}

func TestWritePredictions(t *testing.T) {
	rows := Rows{Columns: []string{"x"}, Values: []map[string]any{{"x": "1"}, {"x": 2.0}}}
	preds := []*trainyardv1.Prediction{
		{Result: &trainyardv1.Prediction_Label{Label: "yes"}, Probabilities: map[string]float64{"no": 0.25, "yes": 0.75}},
		{Error: "missing x"},
	}
	var b strings.Builder
	if err := WritePredictions(&b, rows, preds, []string{"no", "yes"}); err != nil {
		t.Fatal(err)
	}
	want := "x,prediction,probability_no,probability_yes,error\n1,yes,0.25,0.75,\n2,,,,missing x\n"
	if b.String() != want {
		t.Errorf("WritePredictions = %q, want %q", b.String(), want)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"abc": "projects/abc", "projects/abc": "projects/abc"} {
		if got := ProjectName(in); got != want {
			t.Errorf("ProjectName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ModelName("m"); got != "models/m" {
		t.Errorf("ModelName(m) = %q, want models/m", got)
	}
	if _, err := ParseFormat("zip"); err == nil {
		t.Errorf("ParseFormat(zip) = nil error, want an error")
	}
}
