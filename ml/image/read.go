package image

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Example is one image file and its label ("" when it has none), or its boxes when the
// archive is object detection data.
type Example struct {
	Name  string
	Label string
	Data  []byte
	// Boxes are the image's labeled objects when its archive holds a boxes CSV (ArchiveBoxes);
	// Label is then "".
	Boxes []Box
}

// MaxImageBytes bounds one image read from an archive.
const MaxImageBytes = 32 << 20

var imageExt = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true}

// HasImageExt reports whether a file name ends like a picture file (.png, .jpg, .jpeg, .gif or
// .webp, in any case).
func HasImageExt(name string) bool { return imageExt[strings.ToLower(path.Ext(name))] }

// ReadZip returns the images of a zip archive in archive order. The label of
// an image is the name of the folder holding it; images at the top of the
// archive have no label. An archive holding a labels CSV (a path and a label
// column, see ArchiveLabels) takes the labels from it instead, and the images
// it does not list have none. Folders such as __MACOSX, hidden files and
// files that are not images by extension are skipped. An archive holding a boxes CSV (see
// ArchiveBoxes) is object detection data: each image gets the boxes listed for it (none when
// it is not listed) and no label.
func ReadZip(r io.ReaderAt, size int64) ([]Example, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("read zip: %w", err)
	}
	boxes, _, err := ArchiveBoxes(zr)
	if err != nil {
		return nil, fmt.Errorf("read zip: %w", err)
	}
	var listed map[string]string
	if boxes == nil {
		if listed, _, err = ArchiveLabels(zr); err != nil {
			return nil, fmt.Errorf("read zip: %w", err)
		}
	}
	var out []Example
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || skipName(f.Name) {
			continue
		}
		if f.UncompressedSize64 > MaxImageBytes {
			return nil, fmt.Errorf("read zip: %s is larger than %d bytes", f.Name, MaxImageBytes)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read zip %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read zip %s: %w", f.Name, err)
		}
		label := path.Base(path.Dir(f.Name))
		if label == "." || label == "/" {
			label = ""
		}
		if listed != nil {
			label = listed[path.Clean(f.Name)]
		}
		var bs []Box
		if boxes != nil {
			label, bs = "", boxes[path.Clean(f.Name)]
		}
		out = append(out, Example{Name: f.Name, Label: label, Data: b, Boxes: bs})
	}
	if len(out) == 0 {
		return nil, errors.New("read zip: no images (.png, .jpg, .gif, .webp) in the archive")
	}
	return out, nil
}

// ReadZipFile is ReadZip on a file.
func ReadZipFile(name string) ([]Example, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return ReadZip(f, st.Size())
}

func skipName(name string) bool {
	if strings.HasPrefix(name, "__MACOSX/") {
		return true
	}
	base := path.Base(name)
	if strings.HasPrefix(base, ".") {
		return true
	}
	return !HasImageExt(base)
}

// ReadCSV reads a CSV with a header holding a path column (named path,
// file, filename or image) and optionally a label column (label, class or
// target); relative paths are resolved against dir. Rows keep their order.
func ReadCSV(r io.Reader, dir string) ([]Example, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read image csv: %w", err)
	}
	if len(recs) < 2 {
		return nil, errors.New("read image csv: no rows")
	}
	pc, lc := LabelColumns(recs[0])
	if pc < 0 {
		return nil, errors.New("read image csv: no path column (path, file, filename or image)")
	}
	out := make([]Example, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		p := rec[pc]
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read image csv: %w", err)
		}
		ex := Example{Name: rec[pc], Data: b}
		if lc >= 0 {
			ex.Label = rec[lc]
		}
		out = append(out, ex)
	}
	return out, nil
}

// ReadFolders returns the pictures of a folder of class folders, the layout a training zip
// has, labeled by their folder: the first perClass of each class by file name (all when
// perClass <= 0), classes in name order.
func ReadFolders(root string, perClass int) ([]Example, error) {
	classes, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, c := range classes {
		if !c.IsDir() || strings.HasPrefix(c.Name(), ".") {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, c.Name()))
		if err != nil {
			return nil, err
		}
		n := 0
		for _, f := range files { // os.ReadDir sorts by name
			if perClass > 0 && n == perClass {
				break
			}
			if f.IsDir() || skipName(f.Name()) {
				continue
			}
			b, err := os.ReadFile(filepath.Join(root, c.Name(), f.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Example{Name: f.Name(), Label: c.Name(), Data: b})
			n++
		}
	}
	return out, nil
}
