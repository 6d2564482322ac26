package client

import (
	"encoding/csv"
	goimage "image"
	_ "image/gif" // the formats pictureSize reads, as the server takes them
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"strconv"

	_ "golang.org/x/image/webp"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// PictureSize is a picture's width and height in pixels; zero when unknown.
type PictureSize struct{ Width, Height int }

// pictureSize reads a picture's size from its header in r, or returns the zero size.
func pictureSize(r io.Reader) PictureSize {
	cfg, _, err := goimage.DecodeConfig(r)
	if err != nil {
		return PictureSize{}
	}
	return PictureSize{Width: cfg.Width, Height: cfg.Height}
}

// Box is a detected object's box, its left, top, right and bottom edges: in whole pixels from
// the picture's top left corner when Pixels, otherwise as the API gives them, fractions of the
// picture's width and height.
type Box struct {
	XMin, YMin, XMax, YMax float64
	// Pixels says the edges are in pixels, not fractions.
	Pixels bool
}

// ObjectBox returns o's box in the pixels of a picture of size s, or in fractions when s is
// unknown.
func ObjectBox(o *trainyardv1.DetectedObject, s PictureSize) Box {
	b := Box{XMin: o.GetXmin(), YMin: o.GetYmin(), XMax: o.GetXmax(), YMax: o.GetYmax()}
	if s.Width <= 0 || s.Height <= 0 {
		return b
	}
	w, h := float64(s.Width), float64(s.Height)
	return Box{XMin: math.Round(b.XMin * w), YMin: math.Round(b.YMin * h), XMax: math.Round(b.XMax * w), YMax: math.Round(b.YMax * h), Pixels: true}
}

// Unit names the unit of the box's edges: "px" or "fraction".
func (b Box) Unit() string {
	if b.Pixels {
		return "px"
	}
	return "fraction"
}

// detectionColumns are the column names WriteDetections adds after the input's.
var detectionColumns = []string{"object", "label", "confidence", "xmin", "ymin", "xmax", "ymax", "box_unit", "error"}

// WriteDetections writes the input rows with the objects a detection model found in their
// pictures as CSV: the input's columns, then object (its rank in the picture, 1 the most
// confident), label, confidence, the box's edges xmin, ymin, xmax and ymax, box_unit (px, or
// fraction for a picture whose size is unknown) and error. A row has one line per object, or
// one line with the object columns empty when nothing was found or it could not be scored.
// pictures[i] is row i's picture file, whose size gives the boxes in pixels.
func WriteDetections(w io.Writer, rows Rows, preds []*trainyardv1.Prediction, pictures []Picture) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{}, rows.Columns...), detectionColumns...)); err != nil {
		return err
	}
	for i, p := range preds {
		in := inputCells(rows, i)
		if len(p.GetObjects()) == 0 {
			rec := append(in, make([]string, len(detectionColumns)-1)...)
			if err := cw.Write(append(rec, p.GetError())); err != nil {
				return err
			}
			continue
		}
		var size PictureSize
		if i < len(pictures) {
			size = pictures[i].Dims
		}
		for j, o := range p.GetObjects() {
			b := ObjectBox(o, size)
			rec := append(append([]string{}, in...), strconv.Itoa(j+1), o.GetLabel(), strconv.FormatFloat(o.GetConfidence(), 'g', 6, 64))
			for _, e := range []float64{b.XMin, b.YMin, b.XMax, b.YMax} {
				rec = append(rec, strconv.FormatFloat(e, 'g', 6, 64))
			}
			if err := cw.Write(append(rec, b.Unit(), "")); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
