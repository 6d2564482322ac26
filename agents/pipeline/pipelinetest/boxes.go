package pipelinetest

import (
	"archive/zip"
	"bytes"
	"fmt"
	goimage "image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// BoxesZip writes dir/boxes.zip: n generated 32x32 PNG photos, each with a bright square (a
// "square") and in every other one a dark bar (a "bar") on a gray background, and a
// boxes CSV (path,label,xmin,ymin,xmax,ymax, coordinates 0 to 1, one row per box) in
// Vertex's image bounding box import format. It returns the archive's path and one more photo
// that is not in it.
func BoxesZip(dir string, n int) (string, []byte, error) {
	rng := rand.New(rand.NewPCG(7, 9))
	photo := func(i int) ([]byte, [][6]string) {
		img := goimage.NewRGBA(goimage.Rect(0, 0, 32, 32))
		for y := range 32 {
			for x := range 32 {
				img.Set(x, y, color.RGBA{128, 128, 128, 255})
			}
		}
		var rows [][6]string
		put := func(label string, x0, y0, w, h int, c color.RGBA) {
			for y := y0; y < y0+h; y++ {
				for x := x0; x < x0+w; x++ {
					img.Set(x, y, c)
				}
			}
			f := func(v int) string { return fmt.Sprintf("%.4f", float64(v)/32) }
			rows = append(rows, [6]string{"", label, f(x0), f(y0), f(x0 + w), f(y0 + h)})
		}
		put("square", rng.IntN(16), rng.IntN(16), 8, 8, color.RGBA{250, 250, 250, 255})
		if i%2 == 0 {
			put("bar", 20+rng.IntN(8), rng.IntN(8), 4, 16, color.RGBA{10, 10, 10, 255})
		}
		var buf bytes.Buffer
		_ = png.Encode(&buf, img)
		return buf.Bytes(), rows
	}
	path := filepath.Join(dir, "boxes.zip")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	csv := "path,label,xmin,ymin,xmax,ymax\n"
	for i := range n {
		b, rows := photo(i)
		name := fmt.Sprintf("photos/%03d.png", i)
		w, err := zw.Create(name)
		if err != nil {
			return "", nil, err
		}
		if _, err := w.Write(b); err != nil {
			return "", nil, err
		}
		for _, r := range rows {
			csv += fmt.Sprintf("%03d.png,%s,%s,%s,%s,%s\n", i, r[1], r[2], r[3], r[4], r[5])
		}
	}
	w, err := zw.Create("photos/boxes.csv")
	if err != nil {
		return "", nil, err
	}
	if _, err := w.Write([]byte(csv)); err != nil {
		return "", nil, err
	}
	if err := zw.Close(); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(path, zbuf.Bytes(), 0o644); err != nil {
		return "", nil, err
	}
	held, _ := photo(n)
	return path, held, nil
}
