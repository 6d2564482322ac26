// Package ortcheck runs ONNX models in onnxruntime, through Python, so tests
// can compare exported models with the Go predictors.
//
// The interpreter is $TRAINYARD_PYTHON or, by default, .venv/bin/python in
// the module root; it needs the onnxruntime, onnx and numpy packages. When
// they are missing, Run skips the test with a loud message on stderr, or
// fails it when TRAINYARD_REQUIRE_ONNXRUNTIME=1 (as CI sets).
package ortcheck

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

//go:embed ortcheck.py
var script []byte

// Input is one graph input: Floats for a float tensor, Strings for a string
// tensor, flattened row-major into Shape ([N, 1] when nil).
type Input struct {
	Name    string
	Floats  []float32
	Strings []string
	Shape   []int
}

// Case is one model and its inputs.
type Case struct {
	Model  []byte
	Inputs []Input
}

// Output is one output tensor, flattened row-major.
type Output struct {
	Shape   []int
	Floats  []float32
	Strings []string
	Int64s  []int64
}

// Result holds the outputs of one case by name, or the error onnxruntime
// (or the ONNX checker) reported for it.
type Result struct {
	Outputs map[string]Output
	Err     string
}

// Python returns the interpreter to use and whether it can import
// onnxruntime, onnx and numpy; why explains a false answer.
func Python() (python string, ok bool, why string) {
	python = os.Getenv("TRAINYARD_PYTHON")
	if python == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", false, err.Error()
		}
		python = filepath.Join(root, ".venv", "bin", "python")
	}
	if _, err := os.Stat(python); err != nil {
		return python, false, fmt.Sprintf("no interpreter at %s", python)
	}
	out, err := exec.Command(python, "-c", "import onnxruntime, onnx, numpy").CombinedOutput()
	if err != nil {
		return python, false, fmt.Sprintf("%s cannot import onnxruntime, onnx, numpy: %s", python, bytes.TrimSpace(out))
	}
	return python, true, ""
}

// Run evaluates every case in one onnxruntime process. It skips (loudly) or
// fails t when onnxruntime is not available; see the package doc.
func Run(t testing.TB, cases []Case) []Result {
	t.Helper()
	python, ok, why := Python()
	if !ok {
		msg := "ONNXRUNTIME PARITY CHECK NOT RUN: " + why +
			" (install with: python3 -m venv .venv && .venv/bin/pip install onnxruntime onnx numpy)"
		if os.Getenv("TRAINYARD_REQUIRE_ONNXRUNTIME") == "1" {
			t.Fatal(msg)
		}
		fmt.Fprintf(os.Stderr, "\n!!!!!!!!!! %s: %s !!!!!!!!!!\n\n", t.Name(), msg)
		t.Skip(msg)
	}
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "ortcheck.py")
	if err := os.WriteFile(scriptPath, script, 0o644); err != nil {
		t.Fatal(err)
	}
	type jsonInput struct {
		F32   []uint32 `json:"f32,omitempty"`
		Str   []string `json:"str,omitempty"`
		Shape []int    `json:"shape,omitempty"`
	}
	type jsonCase struct {
		Model  string               `json:"model"`
		Inputs map[string]jsonInput `json:"inputs"`
	}
	req := struct {
		Cases []jsonCase `json:"cases"`
	}{}
	for i, c := range cases {
		p := filepath.Join(dir, "model"+strconv.Itoa(i)+".onnx")
		if err := os.WriteFile(p, c.Model, 0o644); err != nil {
			t.Fatal(err)
		}
		jc := jsonCase{Model: p, Inputs: map[string]jsonInput{}}
		for _, in := range c.Inputs {
			ji := jsonInput{Shape: in.Shape}
			if in.Strings != nil {
				ji.Str = in.Strings
			} else {
				ji.F32 = make([]uint32, len(in.Floats))
				for j, v := range in.Floats {
					ji.F32[j] = math.Float32bits(v)
				}
			}
			jc.Inputs[in.Name] = ji
		}
		req.Cases = append(req.Cases, jc)
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, scriptPath)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("onnxruntime script: %v\n%s", err, stderr.String())
	}
	var resp struct {
		Results []struct {
			Outputs map[string]struct {
				Shape []int    `json:"shape"`
				F32   []uint32 `json:"f32"`
				Str   []string `json:"str"`
				I64   []int64  `json:"i64"`
			} `json:"outputs"`
			Error string `json:"error"`
		} `json:"results"`
		Version string `json:"onnxruntime"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("onnxruntime script output: %v", err)
	}
	if len(resp.Results) != len(cases) {
		t.Fatalf("onnxruntime script returned %d results for %d cases", len(resp.Results), len(cases))
	}
	t.Logf("onnxruntime %s ran %d models", resp.Version, len(cases))
	res := make([]Result, len(cases))
	for i, r := range resp.Results {
		res[i].Err = r.Error
		res[i].Outputs = map[string]Output{}
		for name, o := range r.Outputs {
			v := Output{Shape: o.Shape, Strings: o.Str, Int64s: o.I64}
			if o.F32 != nil {
				v.Floats = make([]float32, len(o.F32))
				for j, b := range o.F32 {
					v.Floats[j] = math.Float32frombits(b)
				}
			}
			res[i].Outputs[name] = v
		}
	}
	return res
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
