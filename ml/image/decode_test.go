package image

import (
	"archive/zip"
	"bytes"
	"errors"
	goimage "image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sample is a 4×2 picture: left half red, right half white.
func sample() *goimage.RGBA {
	img := goimage.NewRGBA(goimage.Rect(0, 0, 4, 2))
	for y := range 2 {
		for x := range 4 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 2 {
				c = color.RGBA{255, 255, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodeAll(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var b bytes.Buffer
	if err := png.Encode(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out["png"] = bytes.Clone(b.Bytes())
	b.Reset()
	if err := jpeg.Encode(&b, sample(), &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	out["jpeg"] = bytes.Clone(b.Bytes())
	b.Reset()
	if err := gif.Encode(&b, sample(), nil); err != nil {
		t.Fatal(err)
	}
	out["gif"] = bytes.Clone(b.Bytes())
	return out
}

func TestDecodeFormats(t *testing.T) {
	for format, data := range encodeAll(t) {
		if got := Format(data); got != format {
			t.Errorf("Format(%s bytes) = %q, want %q", format, got, format)
		}
		img, err := Decode(data)
		if err != nil {
			t.Fatalf("Decode(%s): %v", format, err)
		}
		rgb := Tensor(img, 4, 2, 3)
		// Red plane all ~1; green plane ~0 on the left, ~1 on the right.
		want := []float32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1}
		for i, w := range want {
			if math.Abs(float64(rgb[i]-w)) > 0.05 {
				t.Errorf("%s: Tensor[%d] = %v, want %v", format, i, rgb[i], w)
			}
		}
		if IsGray(img) {
			t.Errorf("%s: IsGray = true for a red picture", format)
		}
		gray := Tensor(img, 2, 1, 1)
		if len(gray) != 2 || gray[0] > gray[1] {
			t.Errorf("%s: gray 2x1 = %v, want dark red left of white", format, gray)
		}
	}
	if _, err := Decode([]byte("RIFF\x00\x00\x00\x00WEBPVP8 junk")); err == nil {
		t.Errorf("Decode(broken webp) = nil error, want one")
	}
	if _, err := Decode([]byte("not an image")); !errors.Is(err, ErrFormat) {
		t.Errorf("Decode(text) = %v, want ErrFormat", err)
	}
}

func TestReadZip(t *testing.T) {
	enc := encodeAll(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct{ name, format string }{
		{"data/cats/a.png", "png"},
		{"data/dogs/b.JPG", "jpeg"},
		{"__MACOSX/data/cats/._a.png", "png"},
		{"data/cats/.hidden.png", "png"},
		{"data/notes.txt", ""},
		{"loose.gif", "gif"},
	}
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if f.format != "" {
			w.Write(enc[f.format])
		} else {
			w.Write([]byte("hello"))
		}
	}
	zw.Close()
	ex, err := ReadZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, e := range ex {
		got = append(got, [2]string{e.Name, e.Label})
	}
	want := [][2]string{{"data/cats/a.png", "cats"}, {"data/dogs/b.JPG", "dogs"}, {"loose.gif", ""}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadZip (-want +got):\n%s", d)
	}
	csvIn := "path,label\ncats/a.png,cat\n"
	if _, err := ReadCSV(strings.NewReader(csvIn), t.TempDir()); err == nil {
		t.Errorf("ReadCSV with a missing file: no error, want one")
	}
}
