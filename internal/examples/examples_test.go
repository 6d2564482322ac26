package examples

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

func testModel() *trainyardv1.Model {
	return &trainyardv1.Model{Id: "0190aaaa-0000-7000-8000-000000000001", Classes: []string{"no", "yes"}, Features: []*trainyardv1.FeatureSpec{
		{Name: "tenure", Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC, Example: "12"},
		{Name: "Contract", Kind: trainyardv1.FeatureKind_FEATURE_KIND_CATEGORICAL, Example: "Month-to-month"},
		{Name: "owner's note", Kind: trainyardv1.FeatureKind_FEATURE_KIND_TEXT, Example: `it's "fine"`},
		{Name: "paperless", Kind: trainyardv1.FeatureKind_FEATURE_KIND_BOOLEAN, Example: "Yes"},
		{Name: "charges", Kind: trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC},
	}}
}

// TestCurlBodyThroughShell runs the curl example's -d argument through a real shell and
// checks that the body arrives as the JSON the route takes, quotes and all.
func TestCurlBodyThroughShell(t *testing.T) {
	ex := Generate("http://127.0.0.1:8080/", testModel(), map[string]string{"tenure": "3"})
	i := strings.Index(ex.GetCurl(), "-d ")
	out, err := exec.Command("sh", "-c", "printf %s "+ex.GetCurl()[i+3:]).Output()
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Instances []map[string]any }
	if err := json.Unmarshal(out, &body); err != nil {
		t.Fatalf("curl body %s: %v", out, err)
	}
	want := map[string]any{"tenure": 3.0, "Contract": "Month-to-month", "owner's note": `it's "fine"`, "paperless": "Yes", "charges": nil}
	got := body.Instances[0]
	for k, v := range want {
		if got[k] != v {
			t.Errorf("instance[%q] = %#v, want %#v", k, got[k], v)
		}
	}
	if !strings.Contains(ex.GetCurl(), "http://127.0.0.1:8080/api/v1/models/") {
		t.Errorf("curl example does not use the public URL:\n%s", ex.GetCurl())
	}
}

func TestGRPCTargetFollowsScheme(t *testing.T) {
	for _, c := range []struct{ url, host, plaintext string }{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", "-plaintext"},
		{"https://ml.example.com", "ml.example.com", ""},
		{"http://ml.internal", "ml.internal:80", "-plaintext"},
	} {
		g := Generate(c.url, testModel(), nil).GetGrpcurl()
		if !strings.Contains(g, " "+c.host+" trainyard.v1.PredictionService/Predict") || strings.Contains(g, "-plaintext") != (c.plaintext != "") {
			t.Errorf("Generate(%q).Grpcurl = \n%s\nwant host %s, plaintext %v", c.url, g, c.host, c.plaintext != "")
		}
	}
	tr := Generate("https://ml.example.com", testModel(), nil).GetTritonclient()
	if !strings.Contains(tr, `url="ml.example.com:443", ssl=True`) || !strings.Contains(tr, `classes = ["no", "yes"]`) {
		t.Errorf("tritonclient example for https:\n%s", tr)
	}
}

// TestPictureFeedThroughShell runs the pipeline that writes an image example's request through
// a real shell on a picture larger than a command-line argument may be (128 kB on Linux): the
// JSON that comes out carries the file's bytes.
func TestPictureFeedThroughShell(t *testing.T) {
	dir := t.TempDir()
	pic := make([]byte, 300<<10)
	for i := range pic {
		pic[i] = byte(i * 31)
	}
	if err := os.WriteFile(filepath.Join(dir, "photo.png"), pic, 0o644); err != nil {
		t.Fatal(err)
	}
	ex := imageExamples("http://127.0.0.1:8080", &trainyardv1.Model{Id: "m1"}, "image")
	for name, code := range map[string]string{"curl": ex.GetCurl(), "grpcurl": ex.GetGrpcurl()} {
		i := strings.Index(code, "{ printf")
		feed := strings.TrimSuffix(code[i:i+strings.Index(code[i:], "\n")], " |")
		cmd := exec.Command("sh", "-c", feed)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s feed %q: %v", name, feed, err)
		}
		var req struct {
			Instances []struct{ Image string }
			Images    []string
		}
		if err := json.Unmarshal(out, &req); err != nil {
			t.Fatalf("%s feed wrote %.200s…: %v", name, out, err)
		}
		got := req.Images
		if name == "curl" {
			got = []string{req.Instances[0].Image}
		}
		if len(got) != 1 || got[0] != base64.StdEncoding.EncodeToString(pic) {
			t.Errorf("%s feed does not carry the picture's base64", name)
		}
	}
}
