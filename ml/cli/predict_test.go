package cli

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/model"
)

// trainIris trains a small iris model and returns its path and the data.
func trainIris(t *testing.T, dir string) (string, [][]string) {
	t.Helper()
	data := datasets.MustPath(t, "iris.csv")
	modelPath := filepath.Join(dir, "iris.model")
	if _, stderr, err := run(t, "train", "--data", data, "--target", "species", "--learner", "gbdt", "--params", "num_iterations=5", "--out", modelPath); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	return modelPath, readCSV(t, data)
}

// TestPredictReadsLikeTheFrameReader writes the same rows as TSV, as
// semicolon-separated text with a byte order mark, CRLF line ends, blank
// lines and quoted fields, and checks that each predicts what the plain CSV
// predicts.
func TestPredictReadsLikeTheFrameReader(t *testing.T) {
	dir := t.TempDir()
	modelPath, rows := trainIris(t, dir)
	want, _, err := run(t, "predict", "--model", modelPath, "--data", datasets.MustPath(t, "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	join := func(sep, eol string, quote bool) string {
		var b strings.Builder
		for i, r := range rows {
			cells := append([]string(nil), r...)
			if quote && i > 0 {
				for j := range cells {
					cells[j] = `"` + cells[j] + `"`
				}
			}
			b.WriteString(strings.Join(cells, sep) + eol)
			if i == 3 {
				b.WriteString(eol) // a blank line
			}
		}
		return b.String()
	}
	files := map[string]string{
		"x.tsv": join("\t", "\n", false),
		"x.txt": "\xEF\xBB\xBF" + join(";", "\r\n", true),
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		got, stderr, err := run(t, "predict", "--model", modelPath, "--data", path)
		if err != nil {
			t.Fatalf("predict %s: %v\n%s", name, err, stderr)
		}
		if got != want {
			t.Errorf("predict %s differs from the CSV's predictions:\n%.300s\nwant\n%.300s", name, got, want)
		}
	}
}

func TestPredictRaggedRowNamesTheRow(t *testing.T) {
	dir := t.TempDir()
	modelPath, rows := trainIris(t, dir)
	var b strings.Builder
	for _, r := range rows[:5] {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	b.WriteString("5.0,3.0\n")
	bad := filepath.Join(dir, "ragged.csv")
	if err := os.WriteFile(bad, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "predict", "--model", modelPath, "--data", bad)
	if err == nil || !strings.Contains(err.Error(), "row 5") || !strings.Contains(err.Error(), "2 fields") {
		t.Errorf("predict with a short row = %v, want an error naming row 5 and its 2 fields", err)
	}
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	if _, _, err := run(t, "predict", "--model", modelPath, "--data", empty); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("predict of an empty file = %v, want an error saying it is empty", err)
	}
}

// TestPredictAppliesThreshold sets a decision threshold on a binary model
// and checks that the prediction column follows proba_<positive> >= it.
func TestPredictAppliesThreshold(t *testing.T) {
	dir := t.TempDir()
	data := datasets.MustPath(t, "breast_cancer.csv")
	modelPath := filepath.Join(dir, "bc.model")
	if _, stderr, err := run(t, "train", "--data", data, "--target", "diagnosis", "--learner", "gbdt", "--params", "num_iterations=5", "--out", modelPath); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	a, err := model.LoadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	const thr = 0.9
	a.Threshold = thr
	if err := a.SaveFile(modelPath); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := run(t, "predict", "--model", modelPath, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := csv.NewReader(bytes.NewReader([]byte(stdout))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i, r := range out[1:] {
		p0, _ := strconv.ParseFloat(r[1], 64)
		p1, _ := strconv.ParseFloat(r[2], 64)
		want := a.Classes[0]
		if p1 >= thr {
			want = a.Classes[1]
		}
		if r[0] != want {
			t.Fatalf("row %d: prediction %q with P(%s) = %v, want %q at threshold %v", i+1, r[0], a.Classes[1], p1, want, thr)
		}
		if (p1 > p0) != (want == a.Classes[1]) {
			changed++
		}
	}
	if changed == 0 {
		t.Errorf("threshold %v changed no prediction; the test does not exercise it", thr)
	}
}
