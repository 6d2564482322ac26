package image

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadZipWithLabelsCSV reads an archive of loose images and a labels CSV in a subfolder:
// labels come from the CSV (paths relative to its folder, "./" and backslashes tolerated), an
// image it does not list has no label, and an archive whose only CSV has no label column
// falls back to folder labels.
func TestReadZipWithLabelsCSV(t *testing.T) {
	enc := encodeAll(t)
	build := func(files map[string][]byte, order []string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range order {
			w, err := zw.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(files[n])
		}
		zw.Close()
		return buf.Bytes()
	}
	files := map[string][]byte{
		"set/labels.csv":   []byte("filename,class,split\n./img/a.png,cat,train\nimg\\b.gif,dog,test\n"),
		"set/img/a.png":    enc["png"],
		"set/img/b.gif":    enc["gif"],
		"set/img/c.png":    enc["png"],
		"set/other/d.jpeg": enc["jpeg"],
	}
	b := build(files, []string{"set/labels.csv", "set/img/a.png", "set/img/b.gif", "set/img/c.png", "set/other/d.jpeg"})
	ex, err := ReadZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, e := range ex {
		got = append(got, [2]string{e.Name, e.Label})
	}
	want := [][2]string{{"set/img/a.png", "cat"}, {"set/img/b.gif", "dog"}, {"set/img/c.png", ""}, {"set/other/d.jpeg", ""}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadZip with a labels CSV (-want +got):\n%s", d)
	}

	files["set/labels.csv"] = []byte("filename,notes\nimg/a.png,blurry\n")
	b = build(files, []string{"set/labels.csv", "set/img/a.png", "set/other/d.jpeg"})
	ex, err = ReadZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, e := range ex {
		got = append(got, [2]string{e.Name, e.Label})
	}
	want = [][2]string{{"set/img/a.png", "img"}, {"set/other/d.jpeg", "other"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadZip with a CSV without labels (-want +got):\n%s", d)
	}
}
