package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = Run(context.Background(), IO{Stdout: &o, Stderr: &e}, args)
	return o.String(), e.String(), err
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTrainThenPredictIris(t *testing.T) {
	dir := t.TempDir()
	data := datasets.MustPath(t, "iris.csv")
	modelPath := filepath.Join(dir, "iris.model")
	// Flags may follow one another in any order.
	if _, stderr, err := run(t, "train", "--data", data, "--out", modelPath, "--target", "species", "--trials", "3", "--seed", "2"); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	out := filepath.Join(dir, "preds.csv")
	if _, stderr, err := run(t, "predict", "--model", modelPath, "--data", data, "--out", out); err != nil {
		t.Fatalf("predict: %v\n%s", err, stderr)
	}
	in, preds := readCSV(t, data), readCSV(t, out)
	want := []string{"prediction", "proba_setosa", "proba_versicolor", "proba_virginica"}
	if !slices.Equal(preds[0], want) {
		t.Fatalf("header = %v, want %v", preds[0], want)
	}
	if len(preds) != len(in) {
		t.Fatalf("%d prediction rows for %d input rows", len(preds)-1, len(in)-1)
	}
	correct := 0
	for i := 1; i < len(in); i++ {
		sum := 0.0
		for _, s := range preds[i][1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			sum += v
		}
		if sum < 0.999999 || sum > 1.000001 {
			t.Errorf("row %d: probabilities sum to %v", i, sum)
		}
		if preds[i][0] == in[i][4] {
			correct++
		}
	}
	if acc := float64(correct) / float64(len(in)-1); acc < 0.95 {
		t.Errorf("training accuracy = %.3f, want at least 0.95", acc)
	}
}

func TestRegressionWritesPredictionOnly(t *testing.T) {
	dir := t.TempDir()
	data := datasets.MustPath(t, "diabetes.csv")
	modelPath := filepath.Join(dir, "d.model")
	if _, stderr, err := run(t, "train", "--data", data, "--target", "disease_progression", "--learner", "gbdt", "--params", "num_iterations=10", "--out", modelPath); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	stdout, _, err := run(t, "predict", "--model", modelPath, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader([]byte(stdout))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"prediction"}) || len(rows) != 443 {
		t.Errorf("output = header %v and %d rows, want [prediction] and 442 rows", rows[0], len(rows)-1)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"fly"},
		{"train", "--data", "x.csv"},
		{"train", "--data", "x.csv", "--target", "y", "--out", "m", "--params", "a=1"},
		{"train", "--data", "x.csv", "--target", "y", "--out", "m", "--task", "ranking"},
	} {
		_, _, err := run(t, args...)
		var ue UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Run(%q) = %v, want a usage error", args, err)
		}
	}
}

func TestPredictReportsMissingColumns(t *testing.T) {
	dir := t.TempDir()
	modelPath := filepath.Join(dir, "m")
	if _, stderr, err := run(t, "train", "--data", datasets.MustPath(t, "iris.csv"), "--target", "species", "--trials", "1", "--out", modelPath); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("sepal_length_cm,petal_width_cm\n5.1,0.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "predict", "--model", modelPath, "--data", bad)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("sepal_width_cm")) {
		t.Errorf("predict with missing columns = %v, want an error naming sepal_width_cm", err)
	}
}
