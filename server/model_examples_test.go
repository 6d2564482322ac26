package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// TestCodeExamplesRun gets a model's code examples and runs them against the server: curl,
// buf curl, and (with .venv) tritonclient. Each must print a prediction.
func TestCodeExamplesRun(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	art := trainOn(t, "titanic.csv", "Survived", "20", titanicDrop...)
	m := h.deploy(owner, art)
	first := readCSV(t, sharedPath(t, "titanic.csv")).rows[1]
	var specs []*trainyardv1.FeatureSpec
	for _, c := range art.Schema {
		kind := trainyardv1.FeatureKind_FEATURE_KIND_CATEGORICAL
		if c.Kind == "numeric" {
			kind = trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC
		}
		specs = append(specs, &trainyardv1.FeatureSpec{Name: c.Name, Kind: kind, Example: first[c.Name]})
	}
	schema, _ := protojson.Marshal(&trainyardv1.Model{Features: specs, Classes: art.Classes, TargetColumn: "Survived",
		ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_BINARY_CLASSIFICATION, DisplayName: "survival"})
	metrics, _ := protojson.Marshal(&trainyardv1.Metrics{Values: map[string]float64{"roc_auc": 0.86}})
	if err := h.st.Client().Model.UpdateOneID(m.ID).SetFeatureSchema(schema).SetMetrics(metrics).Exec(store.SystemContext(context.Background())); err != nil {
		t.Fatal(err)
	}
	got, err := h.cms.GetModel(withKey(context.Background(), owner.key), &trainyardv1.GetModelRequest{Name: m.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	ex := got.GetCodeExamples()
	for name, code := range map[string]string{"curl": ex.GetCurl(), "python": ex.GetPython(), "typescript": ex.GetTypescript(), "grpcurl": ex.GetGrpcurl(), "tritonclient": ex.GetTritonclient()} {
		if !strings.Contains(code, m.ID.String()) || !strings.Contains(code, "Embarked") || !strings.Contains(code, h.addr) {
			t.Errorf("%s example does not name the model, its inputs and the server:\n%s", name, code)
		}
	}
	r := exampleRunner{t: t, key: owner.key}
	out := r.run("curl", exec.Command("sh", "-c", ex.GetCurl()))
	var res struct{ Predictions []map[string]any }
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Predictions) != 1 || res.Predictions[0]["label"] == nil {
		t.Errorf("curl example printed %s, want one prediction with a label", out)
	}
	if out, ok := r.bufCurl(ex.GetGrpcurl()); ok && !strings.Contains(out, `"label"`) {
		t.Errorf("buf curl example printed %s, want a prediction", out)
	}
	if out := r.triton(ex.GetTritonclient()); !strings.Contains(out, "[b'") {
		t.Errorf("tritonclient example printed %s, want a label array", out)
	}

	// The report is rendered from the stored results when no page was stored.
	res2, body := h.get(t, h.base+"/api/v1/models/"+m.ID.String()+"/report", owner.key)
	if res2.StatusCode != 200 || !strings.Contains(string(body), "survival") || !strings.Contains(string(body), "roc_auc") {
		t.Errorf("rendered report = %d (%d bytes), want 200 with the model's name and metrics", res2.StatusCode, len(body))
	}
}

// exampleRunner runs code examples in dir with the API key in their environment.
type exampleRunner struct {
	t   *testing.T
	key string
	dir string
}

// run runs cmd and returns its output; a failure fails the test.
func (r exampleRunner) run(name string, cmd *exec.Cmd) string {
	r.t.Helper()
	cmd.Env = append(os.Environ(), "TRAINYARD_API_KEY="+r.key)
	if bin, err := filepath.Abs("../tools/node_modules/.bin"); err == nil {
		cmd.Env = append(cmd.Env, "PATH="+bin+":"+os.Getenv("PATH"))
	}
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Errorf("%s example failed: %v\n%s", name, err, out)
	}
	return string(out)
}

// bufCurl runs the buf curl part of a grpcurl example when the repository's tools hold buf.
func (r exampleRunner) bufCurl(grpcurl string) (string, bool) {
	r.t.Helper()
	if _, err := os.Stat("../tools/node_modules/.bin/buf"); err != nil {
		return "", false
	}
	return r.run("buf curl", exec.Command("sh", "-c", grpcurl[strings.Index(grpcurl, "# buf curl"):])), true
}

// triton runs a tritonclient example with the .venv Python (the test skips without it).
func (r exampleRunner) triton(code string) string {
	r.t.Helper()
	py := venvPython(r.t, "tritonclient.http", "numpy")
	script := filepath.Join(r.t.TempDir(), "triton.py")
	if err := os.WriteFile(script, []byte(code), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return r.run("tritonclient", exec.Command(py, script))
}

// TestImageCodeExamplesRun gets an image model's code examples: none embeds a picture, each
// reads photo.png, and curl, buf curl and tritonclient run against the server from a folder
// holding a test picture, each printing the model's own label for it.
func TestImageCodeExamplesRun(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	c, err := image.FitClassifier(context.Background(), fashionImages(t, "train", 20), image.ClassifierParams{SkipNet: true, Seed: 1, Budget: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	art, err := model.NewImage(c, model.Training{Rows: 200})
	if err != nil {
		t.Fatal(err)
	}
	id := h.deployImage(owner, art)
	pic := fashionImages(t, "test", 1)[3]
	example := base64.StdEncoding.EncodeToString(pic.Data)
	schema, _ := protojson.Marshal(&trainyardv1.Model{Classes: art.Classes, ProblemType: trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION,
		Features: []*trainyardv1.FeatureSpec{{Name: "image", Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE, Example: example}}})
	if err := h.st.Client().Model.UpdateOneID(uuid.MustParse(id)).SetFeatureSchema(schema).Exec(store.SystemContext(context.Background())); err != nil {
		t.Fatal(err)
	}
	got, err := h.cms.GetModel(withKey(context.Background(), owner.key), &trainyardv1.GetModelRequest{Name: id})
	if err != nil {
		t.Fatal(err)
	}
	ex := got.GetCodeExamples()
	for name, code := range map[string]string{"curl": ex.GetCurl(), "python": ex.GetPython(), "typescript": ex.GetTypescript(), "grpcurl": ex.GetGrpcurl(), "tritonclient": ex.GetTritonclient()} {
		if strings.Contains(code, example[:40]) || !strings.Contains(code, "photo.png") || !strings.Contains(code, id) {
			t.Errorf("%s example embeds the picture or does not read photo.png for model %s:\n%s", name, id, code)
		}
	}
	var want model.Prediction
	if err := art.PredictImage(pic.Data, &want); err != nil {
		t.Fatal(err)
	}
	r := exampleRunner{t: t, key: owner.key, dir: t.TempDir()}
	if err := os.WriteFile(filepath.Join(r.dir, "photo.png"), pic.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := r.run("curl", exec.Command("sh", "-c", ex.GetCurl()))
	var res struct{ Predictions []map[string]any }
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Predictions) != 1 || res.Predictions[0]["label"] != want.Label {
		t.Errorf("curl example printed %s, want one prediction labelled %q", out, want.Label)
	}
	if out, ok := r.bufCurl(ex.GetGrpcurl()); ok && !strings.Contains(out, `"label": "`+want.Label+`"`) {
		t.Errorf("buf curl example printed %s, want the label %q", out, want.Label)
	}
	if out := r.triton(ex.GetTritonclient()); !strings.Contains(out, "[b'"+want.Label+"']") {
		t.Errorf("tritonclient example printed %s, want the label %q", out, want.Label)
	}
}
