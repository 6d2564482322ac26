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
		switch strings.ToLower(headerName(h)) {
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
		if !archiveCSV(f) {
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
			labels[archivePath(dir, strings.TrimSpace(r[pc]))] = strings.TrimSpace(r[lc])
		}
		return labels, f.Name, nil
	}
	return nil, "", nil
}

// archiveCSV reports whether archive entry f may be a labels or boxes CSV: a .csv file outside
// __MACOSX and not hidden.
func archiveCSV(f *zip.File) bool {
	return !f.FileInfo().IsDir() && !strings.HasPrefix(f.Name, "__MACOSX/") && !strings.HasPrefix(path.Base(f.Name), ".") &&
		strings.EqualFold(path.Ext(f.Name), ".csv")
}

// archivePath returns the path inside the archive of image path p listed in a CSV in folder dir:
// backslashes become slashes and a leading "./" is ignored, so that it matches the entry's name.
func archivePath(dir, p string) string {
	p = path.Clean(strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "./"))
	if dir != "." {
		p = path.Join(dir, p)
	}
	return p
}

// headerName is a CSV header cell without spaces around it or a byte order mark.
func headerName(h string) string { return strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) }
