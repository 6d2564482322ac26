package pipeline_test

import (
	"archive/zip"
	"context"
	"fmt"
	goimage "image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/internal/store"
)

// TestObjectDetectionNeedsVertex uploads photos with a boxes CSV to the embedded default
// (local trainer): ANALYZING fails at once, saying object detection needs the Vertex AI
// backend and how to choose it, with no model trained locally. A description asking where
// objects are in class-folder images fails the same way.
func TestObjectDetectionNeedsVertex(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	path, _, err := pipelinetest.BoxesZip(t.TempDir(), 6)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if ds.DataType != store.DataTypeImage || !ds.Labeled {
		t.Fatalf("uploaded detection archive: %s, labeled %v; want IMAGE, labeled", ds.DataType, ds.Labeled)
	}
	p := submit(t, e, pipelinetest.Submission{DatasetID: ds.ID, Description: "find the squares in the photos"})
	p = wait(t, e, p.ID, 30*time.Second)
	if p.Stage != store.StageFailed || !strings.Contains(p.ErrorMessage, "object detection") ||
		!strings.Contains(p.ErrorMessage, "--trainer-url vertex://projects/P/locations/L") {
		t.Fatalf("project = %s (%q), want FAILED saying object detection needs --trainer-url vertex://projects/P/locations/L", p.Stage, p.ErrorMessage)
	}
	if p.ModelID != nil {
		t.Errorf("a model %s was made locally", p.ModelID)
	}
}

// TestObjectDetectionWordingNeedsVertex: images without class folders described as a search for
// objects ("locate the X in the pictures") are an object detection project too, and fail the
// same way on the embedded default.
func TestObjectDetectionWordingNeedsVertex(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{})
	path := flatZip(t, 4)
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p := submit(t, e, pipelinetest.Submission{DatasetID: ds.ID, Description: "locate the shoes in the pictures"})
	p = wait(t, e, p.ID, 30*time.Second)
	if p.Stage != store.StageFailed || !strings.Contains(p.ErrorMessage, "--trainer-url vertex://projects/P/locations/L") {
		t.Fatalf("project = %s (%q), want FAILED saying object detection needs the Vertex backend", p.Stage, p.ErrorMessage)
	}
}

// flatZip writes a zip of n generated PNG photos at its top level (no class folders, no boxes).
func flatZip(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flat.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := range n {
		img := goimage.NewGray(goimage.Rect(0, 0, 8, 8))
		img.Pix[i] = 255
		w, err := zw.Create(fmt.Sprintf("%02d.png", i))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(w, img); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
