package image

import (
	"bytes"
	"errors"
	"fmt"
	goimage "image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ErrFormat is returned for bytes that are not PNG, JPEG, GIF or WebP.
var ErrFormat = errors.New("not a PNG, JPEG, GIF or WebP image")

// Format names the encoding of b by its magic bytes, or "" when unknown.
func Format(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// Decode decodes a PNG, JPEG, GIF (first frame) or WebP image.
func Decode(b []byte) (goimage.Image, error) {
	var (
		img goimage.Image
		err error
	)
	r := bytes.NewReader(b)
	switch Format(b) {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "gif":
		img, err = gif.Decode(r)
	case "webp":
		img, err = webp.Decode(r)
	default:
		return nil, ErrFormat
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", Format(b), err)
	}
	return img, nil
}

// IsGray reports whether every pixel of img has equal red, green and blue.
func IsGray(img goimage.Image) bool {
	switch img.(type) {
	case *goimage.Gray, *goimage.Gray16:
		return true
	}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r != g || g != b {
				return false
			}
		}
	}
	return true
}

// Tensor scales img to w×h (bilinear; the aspect ratio is not kept) and
// returns channels planes of w·h values in [0, 1]: gray (luminance) when
// channels is 1, R, G, B when 3. Transparent pixels are composited on black.
func Tensor(img goimage.Image, w, h, channels int) []float32 {
	dst := goimage.NewRGBA(goimage.Rect(0, 0, w, h))
	if img.Bounds().Dx() == w && img.Bounds().Dy() == h {
		draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Src)
	} else {
		draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	}
	out := make([]float32, channels*w*h)
	n := w * h
	for i := range n {
		p := dst.Pix[4*i : 4*i+3]
		if channels == 1 {
			out[i] = (0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])) / 255
			continue
		}
		out[i] = float32(p[0]) / 255
		out[n+i] = float32(p[1]) / 255
		out[2*n+i] = float32(p[2]) / 255
	}
	return out
}
