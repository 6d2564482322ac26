package cli

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

// zipImages writes the first n PNGs of each class folder of fashion_mnist's
// split into a zip of class folders and returns the archive order.
func zipImages(t *testing.T, path, split string, n int, flat bool) []string {
	t.Helper()
	root := filepath.Join(datasets.MustPath(t, "fashion_mnist"), split)
	classes, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	var names []string
	for _, c := range classes {
		files, err := os.ReadDir(filepath.Join(root, c.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, fe := range files[:n] {
			b, err := os.ReadFile(filepath.Join(root, c.Name(), fe.Name()))
			if err != nil {
				t.Fatal(err)
			}
			name := "images/" + c.Name() + "/" + fe.Name()
			if flat {
				name = c.Name() + "_" + fe.Name()
			}
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
			names = append(names, name)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return names
}

// TestTrainThenPredictImageZip trains on a zip of class folders (no
// --target) and predicts a zip of unlabeled images: one row per image, in
// archive order, mostly right.
func TestTrainThenPredictImageZip(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.zip"), filepath.Join(dir, "test.zip")
	zipImages(t, train, "train", 40, false)
	names := zipImages(t, test, "test", 10, true)
	modelPath := filepath.Join(dir, "images.model")
	if _, stderr, err := run(t, "train", "--data", train, "--out", modelPath, "--budget", "6s", "--seed", "1"); err != nil {
		t.Fatalf("train: %v\n%s", err, stderr)
	} else {
		t.Log(stderr)
	}
	if _, _, err := run(t, "train", "--data", train, "--out", modelPath, "--target", "label"); err == nil {
		t.Errorf("train on a zip with --target: no error, want one")
	}
	out := filepath.Join(dir, "preds.csv")
	if _, stderr, err := run(t, "predict", "--model", modelPath, "--data", test, "--out", out); err != nil {
		t.Fatalf("predict: %v\n%s", err, stderr)
	}
	rows := readCSV(t, out)
	if len(rows) != len(names)+1 || rows[0][0] != "image" || rows[0][1] != "prediction" || len(rows[0]) != 12 {
		t.Fatalf("predictions: %d rows with header %q, want %d rows and image, prediction, 10 probabilities", len(rows), rows[0], len(names)+1)
	}
	ok := 0
	for i, r := range rows[1:] {
		if r[0] != names[i] {
			t.Fatalf("row %d is image %q, want %q (archive order)", i+1, r[0], names[i])
		}
		if strings.HasPrefix(names[i], r[1]+"_train") || strings.HasPrefix(names[i], r[1]+"_test") {
			ok++
		}
	}
	if acc := float64(ok) / float64(len(names)); acc < 0.6 {
		t.Errorf("accuracy on the test zip %.2f, want at least 0.6", acc)
	}
	// The model exports to ONNX, whose one input is the picture tensor.
	onnxPath := filepath.Join(dir, "m.onnx")
	if _, _, err := run(t, "export", "--model", modelPath, "--format", "onnx", "--out", onnxPath); err != nil {
		t.Fatalf("export of an image model: %v", err)
	}
	if b, err := os.ReadFile(onnxPath); err != nil || !bytes.Contains(b, []byte("image")) {
		t.Errorf("exported ONNX (%d bytes, %v) does not name its image input", len(b), err)
	}
}
