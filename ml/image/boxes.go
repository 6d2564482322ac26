package image

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Box is one labeled bounding box on an image, its coordinates normalized to [0, 1] of the
// image's width and height (Vertex AI's image bounding box import format).
type Box struct {
	// Label names the object in the box.
	Label string `json:"label"`
	// XMin, YMin, XMax and YMax are the box's corners, 0 to 1.
	XMin float64 `json:"xmin"`
	YMin float64 `json:"ymin"`
	XMax float64 `json:"xmax"`
	YMax float64 `json:"ymax"`
}

// boxColumns are the columns of a boxes CSV, in the order Vertex's import format lists them.
var boxColumns = []string{"path", "label", "xmin", "ymin", "xmax", "ymax"}

// BoxHeader returns the columns of a boxes CSV: path, label, xmin, ymin, xmax, ymax.
func BoxHeader() []string { return append([]string(nil), boxColumns...) }

// boxCols finds the columns of a boxes CSV header (case-insensitive); nil unless all are present.
func boxCols(header []string) []int {
	at := make([]int, len(boxColumns))
	for i, want := range boxColumns {
		at[i] = -1
		for j, h := range header {
			if strings.EqualFold(headerName(h), want) {
				at[i] = j
				break
			}
		}
		if at[i] < 0 {
			return nil
		}
	}
	return at
}

// IsBoxHeader reports whether a CSV header has every column of a boxes CSV.
func IsBoxHeader(header []string) bool { return boxCols(header) != nil }

// ArchiveBoxes reads the boxes CSV of an archive, if it has one: the first .csv file (outside
// __MACOSX and hidden files) whose header has the columns path, label, xmin, ymin, xmax and
// ymax, one row per box. It returns the boxes of each listed image by its path inside the
// archive (paths relative to the CSV's folder) and the CSV's name; nil when there is no such
// CSV. A coordinate that is not a number in [0, 1], or a box whose minimum is not below its
// maximum, is an error naming the row (1 is the first row under the header) and column.
func ArchiveBoxes(zr *zip.Reader) (map[string][]Box, string, error) {
	for _, f := range zr.File {
		if !archiveCSV(f) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", f.Name, err)
		}
		boxes, ok, err := readBoxes(io.LimitReader(rc, maxLabelsBytes), path.Dir(f.Name))
		rc.Close()
		if err != nil {
			return nil, f.Name, fmt.Errorf("%s: %w", f.Name, err)
		}
		if ok {
			return boxes, f.Name, nil
		}
	}
	return nil, "", nil
}

// readBoxes reads a boxes CSV; ok is false when the header is not one.
func readBoxes(r io.Reader, dir string) (map[string][]Box, bool, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	at := boxCols(header)
	if at == nil {
		return nil, false, nil
	}
	out := map[string][]Box{}
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, true, fmt.Errorf("row %d: %w", row, err)
		}
		get := func(i int) string {
			if at[i] < len(rec) {
				return strings.TrimSpace(rec[at[i]])
			}
			return ""
		}
		p := get(0)
		if p == "" {
			return nil, true, fmt.Errorf("row %d, column path: empty", row)
		}
		b := Box{Label: get(1)}
		if b.Label == "" {
			return nil, true, fmt.Errorf("row %d, column label: empty", row)
		}
		for i, dst := range []*float64{&b.XMin, &b.YMin, &b.XMax, &b.YMax} {
			v, err := strconv.ParseFloat(get(2+i), 64)
			if err != nil || v < 0 || v > 1 || v != v {
				return nil, true, fmt.Errorf("row %d, column %s: %q is not a coordinate between 0 and 1", row, boxColumns[2+i], get(2+i))
			}
			*dst = v
		}
		if b.XMin >= b.XMax {
			return nil, true, fmt.Errorf("row %d, column xmax: %g is not greater than xmin %g", row, b.XMax, b.XMin)
		}
		if b.YMin >= b.YMax {
			return nil, true, fmt.Errorf("row %d, column ymax: %g is not greater than ymin %g", row, b.YMax, b.YMin)
		}
		p = archivePath(dir, p)
		out[p] = append(out[p], b)
	}
	if len(out) == 0 {
		return nil, true, fmt.Errorf("no boxes under the header")
	}
	return out, true, nil
}
