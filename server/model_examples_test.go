package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
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
	env := append(os.Environ(), "TRAINYARD_API_KEY="+owner.key)
	run := func(name string, cmd *exec.Cmd) string {
		t.Helper()
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s example failed: %v\n%s", name, err, out)
		}
		return string(out)
	}
	out := run("curl", exec.Command("sh", "-c", ex.GetCurl()))
	var res struct{ Predictions []map[string]any }
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Predictions) != 1 || res.Predictions[0]["label"] == nil {
		t.Errorf("curl example printed %s, want one prediction with a label", out)
	}
	if buf, err := filepath.Abs("../tools/node_modules/.bin"); err == nil {
		if _, err := os.Stat(filepath.Join(buf, "buf")); err == nil {
			bufCurl := ex.GetGrpcurl()[strings.Index(ex.GetGrpcurl(), "buf curl"):]
			cmd := exec.Command("sh", "-c", bufCurl)
			env = append(env, "PATH="+buf+":"+os.Getenv("PATH"))
			out := run("buf curl", cmd)
			if !strings.Contains(out, `"label"`) {
				t.Errorf("buf curl example printed %s, want a prediction", out)
			}
		}
	}
	py := venvPython(t, "tritonclient.http", "numpy")
	script := filepath.Join(t.TempDir(), "triton.py")
	if err := os.WriteFile(script, []byte(ex.GetTritonclient()), 0o600); err != nil {
		t.Fatal(err)
	}
	out = run("tritonclient", exec.Command(py, script))
	if !strings.Contains(out, "[b'") {
		t.Errorf("tritonclient example printed %s, want a label array", out)
	}

	// The report is rendered from the stored results when no page was stored.
	res2, body := h.get(t, h.base+"/api/v1/models/"+m.ID.String()+"/report", owner.key)
	if res2.StatusCode != 200 || !strings.Contains(string(body), "survival") || !strings.Contains(string(body), "roc_auc") {
		t.Errorf("rendered report = %d (%d bytes), want 200 with the model's name and metrics", res2.StatusCode, len(body))
	}
}
