package image

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxLabelsBytes bounds a labels CSV read from an archive.
const maxLabelsBytes = 64 << 20

// LabelColumns finds the path and label columns of a header: path, file, filename or image,
// and label, class or target (case-insensitive); -1 when absent.
func LabelColumns(header []string) (pathCol, labelCol int) {
	pathCol, labelCol = -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "path", "file", "filename", "image":
			if pathCol < 0 {
				pathCol = i
			}
		case "label", "class", "target":
			if labelCol < 0 {
				labelCol = i
			}
		}
	}
	return pathCol, labelCol
}

// ArchiveLabels reads the labels CSV of an archive, if it has one: the first .csv file (outside
// __MACOSX and hidden files) whose header has a path and a label column. It returns the label
// of each listed image by its path inside the archive (paths in the CSV are relative to the
// CSV's folder; a leading "./" is ignored), and the CSV's name; nil when there is no such CSV.
func ArchiveLabels(zr *zip.Reader) (map[string]string, string, error) {
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(path.Base(f.Name), ".") ||
			!strings.EqualFold(path.Ext(f.Name), ".csv") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", f.Name, err)
		}
		recs, err := csv.NewReader(io.LimitReader(rc, maxLabelsBytes)).ReadAll()
		rc.Close()
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", f.Name, err)
		}
		if len(recs) == 0 {
			continue
		}
		pc, lc := LabelColumns(recs[0])
		if pc < 0 || lc < 0 {
			continue
		}
		dir := path.Dir(f.Name)
		labels := make(map[string]string, len(recs)-1)
		for _, r := range recs[1:] {
			if pc >= len(r) || lc >= len(r) {
				continue
			}
			p := path.Clean(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(r[pc]), "\\", "/"), "./"))
			if dir != "." {
				p = path.Join(dir, p)
			}
			labels[p] = strings.TrimSpace(r[lc])
		}
		return labels, f.Name, nil
	}
	return nil, "", nil
}
