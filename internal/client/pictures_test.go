package client

import (
	"bytes"
	"encoding/base64"
	goimage "image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// pngBytes encodes a small gray picture.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, goimage.NewGray(goimage.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegBytes encodes a small gray picture.
func jpegBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, goimage.NewGray(goimage.Rect(0, 0, 3, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFiles writes name → content under dir; a name ending in / is a folder.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadPictures(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"photos/b.PNG": pngBytes(t), "photos/a.jpg": jpegBytes(t), "photos/notes.txt": []byte("x"), "photos/raw/": nil,
		"empty/": nil, "texts/a.txt": []byte("x"), "fake.png": []byte("not a picture"), "mixed/a.png": pngBytes(t), "mixed/b.webp": []byte("RIFF"),
	})
	photos := filepath.Join(dir, "photos")
	rows, skipped, err := ReadPictures(photos, "image")
	if err != nil {
		t.Fatal(err)
	}
	want := Rows{Columns: []string{"image"}, Values: []map[string]any{{"image": filepath.Join(photos, "a.jpg")}, {"image": filepath.Join(photos, "b.PNG")}}}
	if diff := cmp.Diff(want, rows); diff != "" || !cmp.Equal(skipped, []string{"notes.txt", "raw/"}) {
		t.Errorf("ReadPictures(folder) skipped %q, want [notes.txt raw/]; rows (-want +got):\n%s", skipped, diff)
	}
	one := filepath.Join(photos, "b.PNG")
	if rows, skipped, err := ReadPictures(one, "image"); err != nil || len(rows.Values) != 1 || rows.Values[0]["image"] != one || skipped != nil {
		t.Errorf("ReadPictures(file) = %v, %q, %v; want one row of the file", rows, skipped, err)
	}
	for _, tc := range []struct{ path, want string }{
		{"empty", "empty folder"},
		{"texts", "has no pictures"},
		{"gone.png", "no such file"},
	} {
		if _, _, err := ReadPictures(filepath.Join(dir, tc.path), "image"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadPictures(%s) = %v, want an error with %q", tc.path, err, tc.want)
		}
	}
	// A file named like a picture that is not one is found out by Instances, which opens it.
	features := []*trainyardv1.FeatureSpec{{Name: "image", Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}}
	for path, want := range map[string]string{"fake.png": "fake.png is not a PNG, JPEG, GIF or WebP picture", "mixed": "b.webp is not a PNG"} {
		rows, _, err := ReadPictures(filepath.Join(dir, path), "image")
		if err != nil {
			t.Fatalf("ReadPictures(%s): %v", path, err)
		}
		if _, err := Instances(rows, features, ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Instances of ReadPictures(%s) = %v, want an error with %q", path, err, want)
		}
	}
}

func TestIsPictures(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"photo": pngBytes(t), "rows": []byte("a,b\n1,2\n"), "rows.csv": []byte("a\n1\n"), "folder/": nil})
	for name, want := range map[string]bool{"photo": true, "folder": true, "missing.jpeg": true, "rows": false, "rows.csv": false, "missing.csv": false} {
		if got := IsPictures(filepath.Join(dir, name)); got != want {
			t.Errorf("IsPictures(%s) = %v, want %v", name, got, want)
		}
	}
}

// TestInstancesPictures: cells of an image column that name picture files (relative to the
// rows' folder, with or without a dot) become pictures sent as bytes, their size in pixels
// read; base64 and data: URLs stay text; a missing or non-picture file is an error naming its row.
func TestInstancesPictures(t *testing.T) {
	dir := t.TempDir()
	pic := pngBytes(t)
	writeFiles(t, dir, map[string][]byte{"photos/a.png": pic, "photos/b": pic, "notes.txt": []byte("x")})
	b64 := base64.StdEncoding.EncodeToString(pic)
	features := []*trainyardv1.FeatureSpec{{Name: "image", Kind: trainyardv1.FeatureKind_FEATURE_KIND_IMAGE}}
	rows := Rows{Columns: []string{"image", "id"}, Values: []map[string]any{
		{"image": "photos/a.png", "id": "1"},
		{"image": b64, "id": "2"},
		{"image": "data:image/png;base64," + b64, "id": "3"},
		{"image": " photos/b ", "id": "4"},
		{"image": "", "id": "5"},
	}}
	got, err := Instances(rows, features, dir)
	if err != nil {
		t.Fatal(err)
	}
	str := structpb.NewStringValue
	want := Inputs{
		Instances: []*structpb.Struct{
			{Fields: map[string]*structpb.Value{"id": str("1")}},
			{Fields: map[string]*structpb.Value{"id": str("2"), "image": str(b64)}},
			{Fields: map[string]*structpb.Value{"id": str("3"), "image": str("data:image/png;base64," + b64)}},
			{Fields: map[string]*structpb.Value{"id": str("4")}},
			{Fields: map[string]*structpb.Value{"id": str("5"), "image": structpb.NewNullValue()}},
		},
		Pictures: []Picture{
			{Path: filepath.Join(dir, "photos/a.png"), Size: int64(len(pic)), Dims: PictureSize{Width: 3, Height: 2}}, {}, {},
			{Path: filepath.Join(dir, "photos/b"), Size: int64(len(pic)), Dims: PictureSize{Width: 3, Height: 2}}, {},
		},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Instances mismatch (-want +got):\n%s", diff)
	}
	for cell, msg := range map[string]string{"photos/c.png": "no such file", "notes.txt": "notes.txt is not a PNG"} {
		bad := Rows{Columns: []string{"image"}, Values: []map[string]any{{"image": b64}, {"image": cell}}}
		if _, err := Instances(bad, features, dir); err == nil || !strings.Contains(err.Error(), `row 2, column "image"`) || !strings.Contains(err.Error(), msg) {
			t.Errorf("Instances(%s) = %v, want an error for row 2 with %q", cell, err, msg)
		}
	}
}
