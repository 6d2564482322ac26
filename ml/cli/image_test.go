package cli

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/model"
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
	checkCalibratedImageRows(t, modelPath, test, names[0], rows[1])
	// The model exports to ONNX, whose one input is the picture tensor.
	onnxPath := filepath.Join(dir, "m.onnx")
	if _, _, err := run(t, "export", "--model", modelPath, "--format", "onnx", "--out", onnxPath); err != nil {
		t.Fatalf("export of an image model: %v", err)
	}
	if b, err := os.ReadFile(onnxPath); err != nil || !bytes.Contains(b, []byte("image")) {
		t.Errorf("exported ONNX (%d bytes, %v) does not name its image input", len(b), err)
	}
}

// checkCalibratedImageRows gives the model at modelPath a temperature and predicts the zip at
// data again: the first image's row must carry the calibrated probabilities PredictImage gives,
// softer than the uncalibrated row before.
func checkCalibratedImageRows(t *testing.T, modelPath, data, first string, before []string) {
	t.Helper()
	a, err := model.LoadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	a.Calibration = &model.Calibration{Temperature: 3}
	if err := a.SaveFile(modelPath); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "calibrated.csv")
	if _, stderr, err := run(t, "predict", "--model", modelPath, "--data", data, "--out", out); err != nil {
		t.Fatalf("predict with a temperature: %v\n%s", err, stderr)
	}
	row := readCSV(t, out)[1]
	var want model.Prediction
	if err := a.PredictImage(readZipEntry(t, data, first), &want); err != nil {
		t.Fatal(err)
	}
	if row[1] != want.Label {
		t.Errorf("calibrated row labels %s %q, PredictImage %q", first, row[1], want.Label)
	}
	for c, cell := range row[2:] {
		got, _ := strconv.ParseFloat(cell, 64)
		if math.Abs(got-want.Probabilities[c]) > 1e-6 {
			t.Fatalf("calibrated row's %s = %v, PredictImage gives %v", a.Classes[c], got, want.Probabilities[c])
		}
	}
	if top, was := slices.Max(want.Probabilities), maxCell(before[2:]); top >= was {
		t.Errorf("top probability %v with a temperature of 3, %v without: want it softer", top, was)
	}
}

// readZipEntry returns the bytes of the named file in the zip at path.
func readZipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// maxCell is the largest number among CSV cells.
func maxCell(cells []string) float64 {
	top := math.Inf(-1)
	for _, c := range cells {
		x, _ := strconv.ParseFloat(c, 64)
		top = max(top, x)
	}
	return top
}
