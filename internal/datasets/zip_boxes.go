package datasets

import (
	"archive/zip"
	"path"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/ml/image"
)

// profileBoxes describes an archive holding a boxes CSV as object detection data: its header
// is the boxes CSV's, its classes count boxes per label. It returns nil, nil for an archive
// without one, and an error naming the row and column of a malformed box.
func profileBoxes(zr *zip.Reader, name string) (*FileProfile, error) {
	boxes, csvName, err := image.ArchiveBoxes(zr)
	if err != nil {
		return nil, invalid(ReasonMalformed, "file %q: the boxes CSV %v: coordinates are fractions of the image's width and height, 0 to 1, with xmin < xmax and ymin < ymax", name, strings.TrimPrefix(err.Error(), csvName+": "))
	}
	if boxes == nil {
		return nil, nil
	}
	images, other := imageEntries(zr)
	if len(images) == 0 {
		return nil, invalid(ReasonNoImages, "file %q holds a boxes CSV but no images (.png, .jpg, ...)", name)
	}
	counts := map[string]int{}
	var n int64
	for _, im := range images {
		for _, b := range boxes[path.Clean(im.path)] {
			counts[b.Label]++
			n++
		}
	}
	if n == 0 {
		return nil, invalid(ReasonMalformed, "file %q: no row of the boxes CSV %q names an image of the archive (paths are relative to the CSV's folder)", name, csvName)
	}
	return &FileProfile{Name: name, Format: FormatZip, Header: image.BoxHeader(), Rows: int64(len(images)), Classes: sortedClasses(counts),
		OtherFiles: other, ObjectDetection: true, Boxes: n}, nil
}

// boxPreview returns the first n boxes of an archive holding a boxes CSV as rows of path,
// label, xmin, ymin, xmax, ymax (an image without boxes: its path alone); ok is false for
// another archive.
func boxPreview(zr *zip.Reader, n int) ([][]string, bool) {
	boxes, _, err := image.ArchiveBoxes(zr)
	if err != nil || boxes == nil {
		return nil, false
	}
	images, _ := imageEntries(zr)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var rows [][]string
	for _, im := range images {
		bs := boxes[path.Clean(im.path)]
		if len(bs) == 0 && len(rows) < n {
			rows = append(rows, []string{im.path, "", "", "", "", ""})
		}
		for _, b := range bs {
			if len(rows) < n {
				rows = append(rows, []string{im.path, b.Label, f(b.XMin), f(b.YMin), f(b.XMax), f(b.YMax)})
			}
		}
		if len(rows) >= n {
			break
		}
	}
	return rows, true
}
