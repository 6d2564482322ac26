package datasets

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/internal/store"
)

// boxesZip is an archive of three files named as PNGs and a boxes CSV.
func boxesZip(t *testing.T, csv string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"img/1.png", "img/2.png", "img/3.png"} {
		w, _ := zw.Create(name)
		w.Write([]byte("\x89PNG"))
	}
	w, _ := zw.Create("img/boxes.csv")
	w.Write([]byte(csv))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestUploadImageZipWithBoxesCSV uploads a zip with a boxes CSV: the profile says object
// detection and counts boxes per label, the preview lists the boxes, and a malformed box is
// refused with its row and column.
func TestUploadImageZipWithBoxesCSV(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	csv := "path,label,xmin,ymin,xmax,ymax\n1.png,cat,0.1,0.1,0.5,0.5\n1.png,dog,0.5,0.5,0.9,0.9\n2.png,cat,0,0,1,1\n"
	d, err := e.svc.Upload(e.a, &Upload{}, files(File{Name: "boxes.zip", Body: boxesZip(t, csv)}))
	if err != nil {
		t.Fatal(err)
	}
	if d.DataType != store.DataTypeImage || d.NumRows != 3 || !d.Labeled {
		t.Errorf("Upload(zip with boxes.csv) = %s, %d rows, labeled %v; want IMAGE, 3, true", d.DataType, d.NumRows, d.Labeled)
	}
	prof := mustProfile(t, d)
	fp := prof.Files[0]
	if !fp.ObjectDetection || fp.Boxes != 3 || len(fp.Classes) != 2 || fp.Classes[0].Value != "cat" || fp.Classes[0].Count != 2 {
		t.Errorf("profile = detection %v, %d boxes, classes %v; want detection, 3 boxes, cat=2 first", fp.ObjectDetection, fp.Boxes, fp.Classes)
	}
	if len(prof.Warnings) > 0 {
		t.Errorf("warnings %q, want none", prof.Warnings)
	}
	p, err := e.svc.Preview(e.a, d.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"img/1.png", "cat", "0.1", "0.1", "0.5", "0.5"}, {"img/1.png", "dog", "0.5", "0.5", "0.9", "0.9"}, {"img/2.png", "cat", "0", "0", "1", "1"}}
	if diff := cmp.Diff(want, p.Rows); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	_, err = e.svc.Upload(e.a, &Upload{}, files(File{Name: "bad.zip", Body: boxesZip(t, "path,label,xmin,ymin,xmax,ymax\n1.png,cat,0.1,0.1,0.5,0.5\n2.png,cat,0.1,0.1,1.2,0.5\n")}))
	if err == nil || !strings.Contains(err.Error(), "row 2, column xmax") {
		t.Errorf("Upload(box with xmax 1.2) = %v, want an error naming row 2, column xmax", err)
	}
}
