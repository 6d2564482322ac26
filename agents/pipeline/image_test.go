package pipeline_test

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/datasets"
)

// imageZip writes a zip of class folders holding the first perClass images of each class of
// the shared image set's split folder (of the classes only, when given), and returns its path
// and, per class, one image of the same split that is not in the archive.
func imageZip(t *testing.T, set, split string, perClass int, only ...string) (string, map[string][]byte) {
	t.Helper()
	root := filepath.Join(datasets.MustPath(t, set), split)
	classes, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), set+".zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	held := map[string][]byte{}
	for _, c := range classes {
		if len(only) > 0 && !slices.Contains(only, c.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, c.Name()))
		if err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(files))
		for _, fi := range files {
			names = append(names, fi.Name())
		}
		sort.Strings(names)
		for i, n := range names[:min(perClass+1, len(names))] {
			b, err := os.ReadFile(filepath.Join(root, c.Name(), n))
			if err != nil {
				t.Fatal(err)
			}
			if i == perClass {
				held[c.Name()] = b
				continue
			}
			w, err := zw.Create(c.Name() + "/" + n)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, held
}

// TestImageProject uploads a zip of class folders (a subsample of fashion_mnist), and the
// pipeline takes it to COMPLETED: the image learners under a short budget, held-out metrics
// well above chance, and a deployed model that classifies an image sent as base64.
func TestImageProject(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	path, held := imageZip(t, "fashion_mnist", "train", 50)
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if ds.DataType != store.DataTypeImage {
		t.Fatalf("uploaded archive has data type %s, want IMAGE", ds.DataType)
	}
	p := completed(t, e, pipelinetest.Submission{DatasetID: ds.ID, Description: "classify the clothing in each picture", BudgetSeconds: 6}, 120*time.Second)
	for _, typ := range []string{"target_column", "split", "model_family", "budget", "model_choice", "deployment"} {
		if len(decisionsOf(audit(t, e, p.ID), typ)) == 0 {
			t.Errorf("no %s decision recorded", typ)
		}
	}
	metrics, m, cands := deployedModel(t, e, p)
	v := metrics.GetValues()
	t.Logf("held-out %v; candidates %v", v, cands)
	if v["accuracy"] < 0.6 || metrics.GetTestRows() != 100 {
		t.Errorf("held-out accuracy %.3f on %d test images, want at least 0.6 on 100 (chance is 0.1)", v["accuracy"], metrics.GetTestRows())
	}
	if len(cands) != 2 {
		t.Errorf("candidates %v, want the pixel baseline and the network", cands)
	}
	if names := m.InputNames(); len(names) != 1 || names[0] != "image" {
		t.Errorf("model inputs %v, want [image]", names)
	}
	// Its ONNX export is saved beside it, for download.
	rec, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.OnnxKey == "" {
		t.Error("the deployed image model has no ONNX export")
	} else if a, err := e.Blobs.Stat(context.Background(), rec.OnnxKey); err != nil || a.Size == 0 {
		t.Errorf("Stat(ONNX export) = %+v, %v; want the saved file", a, err)
	}
	right := 0
	for class, b := range held {
		d := predictText(t, m, map[string]any{"image": base64.StdEncoding.EncodeToString(b)})
		if len(d.Probabilities) != 10 {
			t.Fatalf("prediction has %d probabilities, want 10", len(d.Probabilities))
		}
		if d.Label == class {
			right++
		}
	}
	if right < 5 {
		t.Errorf("%d of 10 unseen images classified right, want at least 5", right)
	}
	if _, _, err := m.Row(serving.MapFields{"image": "not an image"}); err == nil {
		t.Error("Row(image: not an image) = nil error, want one")
	}
}

// TestImageProjectApproval stops an image project for approval with its plan (both image
// learners), approves it with the pixel baseline alone, and the project completes with that
// one learner.
func TestImageProjectApproval(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	path, _ := imageZip(t, "fashion_mnist", "train", 20)
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := submit(t, e, pipelinetest.Submission{DatasetID: ds.ID, Description: "classify the clothing in each picture", RequiresApproval: true})
	p = wait(t, e, p.ID, 60*time.Second, store.StageAwaitingApproval)
	if p.Stage != store.StageAwaitingApproval {
		t.Fatalf("stage = %s (%s), want AWAITING_APPROVAL", p.Stage, p.ErrorMessage)
	}
	if fams := planOf(t, p).GetModelFamilies(); len(fams) != 2 {
		t.Errorf("plan families %v, want the pixel baseline and the network", fams)
	}
	approve(t, e, p, []string{"pixels_logistic"}, 3*time.Second)
	p = wait(t, e, p.ID, 60*time.Second)
	if p.Stage != store.StageCompleted {
		t.Fatalf("stage = %s (%s), want COMPLETED", p.Stage, p.ErrorMessage)
	}
	_, m, cands := deployedModel(t, e, p)
	if len(cands) != 1 || cands[0].GetLearner() != "pixels_logistic" || m.Predictor.Artifact().Image.Learner != "pixels_logistic" {
		t.Errorf("candidates %v, want the pixel baseline alone as approved", cands)
	}
}
