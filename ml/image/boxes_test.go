package image_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trainyard/trainyard/ml/image"
)

// boxZip builds an archive with two PNG-named files and a boxes CSV.
func boxZip(t *testing.T, csv string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"photos/a.png": "A", "photos/b.png": "B", "photos/boxes.csv": csv} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadZipBoxes(t *testing.T) {
	b := boxZip(t, "path,label,xmin,ymin,xmax,ymax\na.png,cat,0.1,0.2,0.5,0.6\na.png,dog,0,0,1,1\n")
	ex, err := image.ReadZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]image.Box{}
	for _, e := range ex {
		if e.Label != "" {
			t.Errorf("%s has label %q, want none (detection data)", e.Name, e.Label)
		}
		got[e.Name] = e.Boxes
	}
	want := map[string][]image.Box{
		"photos/a.png": {{Label: "cat", XMin: 0.1, YMin: 0.2, XMax: 0.5, YMax: 0.6}, {Label: "dog", XMax: 1, YMax: 1}},
		"photos/b.png": nil,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("boxes (-want +got):\n%s", d)
	}
}

func TestReadZipMalformedBoxes(t *testing.T) {
	for _, c := range []struct{ csv, want string }{
		{"path,label,xmin,ymin,xmax,ymax\na.png,cat,0.1,0.2,0.5,0.6\na.png,cat,0.1,x,0.5,0.6\n", "row 2, column ymin"},
		{"path,label,xmin,ymin,xmax,ymax\na.png,cat,0.1,0.2,1.5,0.6\n", "row 1, column xmax"},
		{"path,label,xmin,ymin,xmax,ymax\na.png,cat,0.5,0.2,0.4,0.6\n", "row 1, column xmax"},
		{"path,label,xmin,ymin,xmax,ymax\na.png,,0.1,0.2,0.5,0.6\n", "row 1, column label"},
	} {
		b := boxZip(t, c.csv)
		_, err := image.ReadZip(bytes.NewReader(b), int64(len(b)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadZip(%q) = %v, want an error naming %q", c.csv, err, c.want)
		}
	}
}
