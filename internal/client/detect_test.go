package client

import (
	"strings"
	"testing"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// TestWriteDetections: boxes are in pixels for a picture of known size and in fractions,
// said so, for one of unknown size; a row that could not be scored keeps its line, with its
// error.
func TestWriteDetections(t *testing.T) {
	rows := Rows{Columns: []string{"image"}, Values: []map[string]any{{"image": "a.png"}, {"image": "iVBOR"}, {"image": "c.png"}}}
	square := &trainyardv1.DetectedObject{Label: "square", Confidence: 0.5, Xmin: 0.25, Ymin: 0.1, Xmax: 0.5, Ymax: 0.3}
	preds := []*trainyardv1.Prediction{{Objects: []*trainyardv1.DetectedObject{square}}, {Objects: []*trainyardv1.DetectedObject{square}}, {Error: "not a picture"}}
	var b strings.Builder
	if err := WriteDetections(&b, rows, preds, []Picture{{Path: "a.png", Dims: PictureSize{Width: 640, Height: 480}}, {}, {Path: "c.png"}}); err != nil {
		t.Fatal(err)
	}
	want := "image,object,label,confidence,xmin,ymin,xmax,ymax,box_unit,error\n" +
		"a.png,1,square,0.5,160,48,320,144,px,\n" +
		"iVBOR,1,square,0.5,0.25,0.1,0.5,0.3,fraction,\n" +
		"c.png,,,,,,,,,not a picture\n"
	if b.String() != want {
		t.Errorf("WriteDetections = %q, want %q", b.String(), want)
	}
}
