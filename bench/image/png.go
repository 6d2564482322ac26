package main

import (
	"bytes"
	goimage "image"
	"image/png"
)

// encodePNG encodes gray pixels as PNG bytes, so MNIST goes through the same
// decoding path as uploaded images.
func encodePNG(px []byte, w, h int) ([]byte, error) {
	img := goimage.NewGray(goimage.Rect(0, 0, w, h))
	copy(img.Pix, px)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
