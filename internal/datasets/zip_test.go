package datasets

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/internal/store"
)

// TestUploadImageZipWithLabelsCSV uploads a zip of loose images with a labels CSV (paths and
// labels, the other upload layout): the classes and the preview's labels come from the CSV,
// and the CSV is not reported as a stray file.
func TestUploadImageZipWithLabelsCSV(t *testing.T) {
	e := newEnv(t, "sqlite://"+filepath.Join(t.TempDir(), "t.db"), Options{})
	src := filepath.Join(filepath.Dir(sharedPath(t, "iris.csv")), "fashion_mnist", "train")
	classes, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	csv := "path,label\n"
	n := 0
	for _, c := range classes[:2] {
		imgs, _ := os.ReadDir(filepath.Join(src, c.Name()))
		for _, im := range imgs[:3] {
			b, _ := os.ReadFile(filepath.Join(src, c.Name(), im.Name()))
			name := fmt.Sprintf("pictures/%03d.png", n)
			w, _ := zw.Create(name)
			w.Write(b)
			csv += name + "," + c.Name() + "\n"
			n++
		}
	}
	w, _ := zw.Create("labels.csv")
	w.Write([]byte(csv))
	zw.Close()
	d, err := e.svc.Upload(e.a, &Upload{}, files(File{Name: "pictures.zip", Body: &buf}))
	if err != nil {
		t.Fatal(err)
	}
	if d.DataType != store.DataTypeImage || d.NumRows != int64(n) || !d.Labeled {
		t.Errorf("Upload(zip with labels.csv) = %s, %d rows, labeled %v; want IMAGE, %d, true", d.DataType, d.NumRows, d.Labeled, n)
	}
	prof := mustProfile(t, d)
	var got []string
	for _, c := range prof.Files[0].Classes {
		got = append(got, fmt.Sprintf("%s=%d", c.Value, c.Count))
	}
	want := []string{classes[0].Name() + "=3", classes[1].Name() + "=3"}
	if classes[1].Name() < classes[0].Name() {
		want[0], want[1] = want[1], want[0]
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("classes from labels.csv (-want +got):\n%s", d)
	}
	if len(prof.Warnings) > 0 {
		t.Errorf("warnings %q, want none (the labels CSV is part of the layout)", prof.Warnings)
	}
	p, err := e.svc.Preview(e.a, d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Rows[0][1] != classes[0].Name() {
		t.Errorf("Preview = %q, want the first image labeled %q", p.Rows, classes[0].Name())
	}
}
