package main

import (
	"fmt"
	"strconv"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// objectLines is the answer of an object detector for a picture of size s: how many objects it
// found (and the picture's size, which the boxes are in), then one line per object, most
// confident first, with its label, confidence and box.
func objectLines(p *trainyardv1.Prediction, s client.PictureSize) (head string, below []string) {
	objs := p.GetObjects()
	switch len(objs) {
	case 0:
		head = "no objects found"
	case 1:
		head = "1 object"
	default:
		head = fmt.Sprintf("%d objects", len(objs))
	}
	if s.Width > 0 && s.Height > 0 && len(objs) > 0 {
		head += fmt.Sprintf(" in %d×%d px", s.Width, s.Height)
	}
	width := 0
	for _, o := range objs {
		width = max(width, len(o.GetLabel()))
	}
	for _, o := range objs {
		below = append(below, fmt.Sprintf("        %-*s  (p=%.3f)  %s", width, o.GetLabel(), o.GetConfidence(), boxText(client.ObjectBox(o, s))))
	}
	return head, below
}

// boxText writes a box as its top left and bottom right corners, x,y → x,y, in pixels, or as
// fractions of the picture's width and height when its size is unknown.
func boxText(b client.Box) string {
	format, prec, unit := byte('g'), 3, " (fractions of the picture's width and height)"
	if b.Pixels {
		format, prec, unit = 'f', 0, " px"
	}
	f := func(v float64) string { return strconv.FormatFloat(v, format, prec, 64) }
	return f(b.XMin) + "," + f(b.YMin) + " → " + f(b.XMax) + "," + f(b.YMax) + unit
}
