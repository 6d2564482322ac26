package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// venvPython returns the repository's .venv Python when it has the modules, and otherwise
// skips loudly, or fails when CI is set (CI must run these tests).
func venvPython(t *testing.T, modules ...string) string {
	t.Helper()
	py, err := filepath.Abs(filepath.Join("..", ".venv", "bin", "python"))
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(py, "-c", "import "+strings.Join(modules, ", "))
	if out, err := check.CombinedOutput(); err != nil {
		msg := "SKIPPING: this test needs .venv with " + strings.Join(modules, ", ") +
			" (run `make venv`, which installs tools/requirements.txt): " + strings.TrimSpace(string(out)) + " " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		os.Stderr.WriteString("\n!!! " + t.Name() + ": " + msg + "\n\n")
		t.Skip(msg)
	}
	return py
}

// TestOIPWithTritonclient runs tritonclient (http, binary and JSON tensors, and grpc) against
// the server, and the ONNX download in onnxruntime, all against Predict's answers.
func TestOIPWithTritonclient(t *testing.T) {
	py := venvPython(t, "tritonclient.http", "tritonclient.grpc", "onnxruntime", "numpy")
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	other := h.newUser("other@example.com", store.RoleMember)
	art := trainOn(t, "titanic.csv", "Survived", "40", titanicDrop...)
	m := h.deploy(owner, art)

	// Rows of the training file with every input present.
	tb := readCSV(t, sharedPath(t, "titanic.csv"))
	var rows []map[string]string
	for _, r := range tb.rows {
		if r["Age"] != "" && r["Embarked"] != "" {
			rows = append(rows, r)
		}
		if len(rows) == 40 {
			break
		}
	}
	dtypes := map[string]string{"Pclass": "int64", "Fare": "float64"}
	var cols []map[string]any
	inst := make([]map[string]any, len(rows))
	for i := range inst {
		inst[i] = map[string]any{}
	}
	for _, c := range art.Schema {
		col := map[string]any{"name": c.Name, "kind": c.Kind, "triton_dtype": "float32"}
		if d, ok := dtypes[c.Name]; ok {
			col["triton_dtype"] = d
		}
		var vals []any
		for i, r := range rows {
			var v any = r[c.Name]
			if c.Kind == "numeric" {
				var f float64
				if err := json.Unmarshal([]byte(r[c.Name]), &f); err != nil {
					t.Fatal(err)
				}
				v = f
			}
			vals = append(vals, v)
			inst[i][c.Name] = v
		}
		col["values"] = vals
		cols = append(cols, col)
	}
	res, codes := h.predictOver(t, owner.key, &trainyardv1.PredictRequest{Name: m.ID.String(), Instances: instances(t, mustMarshal(t, inst))})
	if len(codes) > 0 {
		t.Fatalf("Predict = %v", codes)
	}
	var labels []string
	var probs [][]float64
	for _, p := range res["connect"].GetPredictions() {
		labels = append(labels, p.GetLabel())
		var row []float64
		for _, c := range art.Classes {
			row = append(row, p.GetProbabilities()[c])
		}
		probs = append(probs, row)
	}
	// The ONNX file through the signed link GetModel hands out.
	got, err := h.cms.GetModel(withKey(context.Background(), owner.key), &trainyardv1.GetModelRequest{Name: m.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	onnxPath := filepath.Join(t.TempDir(), "model.onnx")
	hres, err := http.Get(got.GetOnnxDownloadUrl())
	if err != nil || hres.StatusCode != http.StatusOK {
		t.Fatalf("GET onnx_download_url = %v %v", hres, err)
	}
	b, _ := io.ReadAll(hres.Body)
	hres.Body.Close()
	if err := os.WriteFile(onnxPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := map[string]any{
		"addr": h.addr, "model": m.ID.String(), "key": owner.key, "other_key": other.key,
		"classes": art.Classes, "columns": cols, "labels": labels, "probabilities": probs, "onnx_path": onnxPath,
	}
	specPath := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(specPath, []byte(mustMarshal(t, spec)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "testdata/oip_tritonclient.py", specPath).CombinedOutput()
	t.Logf("tritonclient:\n%s", out)
	if err != nil {
		t.Fatalf("tritonclient checks failed: %v", err)
	}
	if !strings.Contains(string(out), "ok   grpc probabilities") {
		t.Errorf("the script did not reach the gRPC check")
	}
}

// csvTable is a CSV file read as header-keyed rows.
type csvTable struct{ rows []map[string]string }

// readCSV reads a small CSV file.
func readCSV(t *testing.T, path string) csvTable {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var tb csvTable
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		tb.rows = append(tb.rows, m)
	}
	return tb
}

func mustMarshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
