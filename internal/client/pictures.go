package client

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/ml/image"
)

// Picture is a picture file whose bytes go in PredictRequest.images.
type Picture struct {
	// Path is the file as the user named it, shown beside its prediction.
	Path string
	// Size is the file's size in bytes, for splitting pictures into Predict calls.
	Size int64
	// Dims is the picture's size in pixels, read from its header when the file is checked,
	// for an object detector's boxes in pixels; zero when the header cannot be read.
	Dims PictureSize
}

// ImageColumn returns the name of the model's image input, or "" when the model takes rows
// of values.
func ImageColumn(features []*trainyardv1.FeatureSpec) string {
	for _, f := range features {
		if f.GetKind() == trainyardv1.FeatureKind_FEATURE_KIND_IMAGE {
			return f.GetName()
		}
	}
	return ""
}

// IsPictures reports whether path names pictures rather than rows: a folder, a file named
// like a picture (.png, .jpg, .jpeg, .gif, .webp), or a file that starts like one.
func IsPictures(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return image.HasImageExt(path)
	}
	if fi.IsDir() || image.HasImageExt(path) {
		return true
	}
	return sniff(path) != ""
}

// ReadPictures reads a picture file, or a folder's picture files in name order, as rows of
// one column, column, whose cells are the files' paths. skipped lists the folder's entries
// that are not picture files. The files are not opened here: Instances opens each once, to
// check that it is a PNG, JPEG, GIF or WebP picture, when it turns the cell into a picture.
func ReadPictures(path, column string) (rows Rows, skipped []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Rows{}, nil, err
	}
	paths := []string{path}
	if fi.IsDir() {
		if paths, skipped, err = folderPictures(path); err != nil {
			return Rows{}, nil, err
		}
	}
	rows.Columns = []string{column}
	for _, p := range paths {
		rows.Values = append(rows.Values, map[string]any{column: p})
	}
	return rows, skipped, nil
}

// folderPictures lists the picture files of dir by name, and the other entries.
func folderPictures(dir string) (pictures, skipped []string, err error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // through symbolic links
		switch {
		case err == nil && fi.Mode().IsRegular() && image.HasImageExt(e.Name()):
			pictures = append(pictures, p)
		case err == nil && fi.IsDir():
			skipped = append(skipped, e.Name()+"/")
		default:
			skipped = append(skipped, e.Name())
		}
	}
	switch {
	case len(entries) == 0:
		return nil, nil, fmt.Errorf("%s is an empty folder: put the pictures to score in it", dir)
	case len(pictures) == 0:
		return nil, nil, fmt.Errorf("%s has no pictures (.png, .jpg, .jpeg, .gif or .webp files) among its %d entries", dir, len(entries))
	}
	return pictures, skipped, nil
}

// pictureCell resolves a cell of an image column: a picture file's path (relative to dir
// unless absolute) or the picture itself as base64 text or a data: URL, which are sent as
// they are. Base64 has no dot, so a cell with one is a path; one without names a file only
// when that file exists.
func pictureCell(cell, dir string) (Picture, bool, error) {
	t := strings.TrimSpace(cell)
	if t == "" || strings.HasPrefix(t, "data:") {
		return Picture{}, false, nil
	}
	path := t
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if !strings.Contains(t, ".") {
		if _, err := os.Stat(path); err != nil {
			return Picture{}, false, nil
		}
	}
	p, err := openPicture(path)
	return p, true, err
}

// openPicture checks that path is a PNG, JPEG, GIF or WebP file and returns it with its
// sizes in bytes and pixels, in one opening of the file.
func openPicture(path string) (Picture, error) {
	f, err := os.Open(path)
	if err != nil {
		return Picture{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Picture{}, err
	}
	if fi.IsDir() {
		return Picture{}, fmt.Errorf("%s is a folder, not a picture", path)
	}
	r := bufio.NewReader(f)
	head, _ := r.Peek(12) // the longest magic, WebP's RIFF....WEBP; fewer bytes in a short file
	if image.Format(head) == "" {
		return Picture{}, fmt.Errorf("%s is not a PNG, JPEG, GIF or WebP picture", path)
	}
	return Picture{Path: path, Size: fi.Size(), Dims: pictureSize(r)}, nil
}

// sniff names the picture format path starts with, or "" when it is not a picture or
// cannot be read.
func sniff(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 12) // the longest magic, WebP's RIFF....WEBP
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	return image.Format(head[:n])
}
