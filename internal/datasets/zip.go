package datasets

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/profile"
)

// imageExts are the file extensions counted as images in an archive.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".bmp": true, ".webp": true, ".tif": true, ".tiff": true}

// blobReaderAt reads a stored blob at offsets with range requests, so archive/zip reads only
// the central directory of a big archive, never the whole of it.
type blobReaderAt struct {
	ctx   context.Context
	blobs *blob.Store
	key   string
}

// ReadAt implements io.ReaderAt.
func (b blobReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r, err := b.blobs.OpenRange(b.ctx, b.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n, err := io.ReadFull(r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// zipEntry is an image of an archive and its class.
type zipEntry struct{ path, class string }

// openZip opens the stored archive at key.
func openZip(ctx context.Context, blobs *blob.Store, key, name string, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(blobReaderAt{ctx: ctx, blobs: blobs, key: key}, size)
	if err != nil {
		return nil, invalid(ReasonMalformed, "file %q is not a readable zip archive (%v): upload a zip of image folders, one folder per class", name, err)
	}
	return zr, nil
}

// imageEntries lists the images of an archive with their class (the name of the folder they
// are in; "" at the top level; or, when the archive holds a labels CSV, the label it gives,
// "" for an image it does not list) and counts the other entries.
func imageEntries(zr *zip.Reader) ([]zipEntry, int) {
	var images []zipEntry
	other := 0
	listed, csvName, err := image.ArchiveLabels(zr)
	if err != nil {
		listed = nil // an unreadable CSV is counted as another file; folders label the images
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || strings.HasPrefix(path.Base(f.Name), ".") {
			continue
		}
		if !imageExts[strings.ToLower(path.Ext(f.Name))] {
			if f.Name != csvName || listed == nil {
				other++
			}
			continue
		}
		class := path.Base(path.Dir(f.Name))
		if class == "." {
			class = ""
		}
		if listed != nil {
			class = listed[path.Clean(f.Name)]
		}
		images = append(images, zipEntry{path: f.Name, class: class})
	}
	return images, other
}

// profileZip describes an image archive stored at key.
func profileZip(ctx context.Context, blobs *blob.Store, key, name string, size int64) (*FileProfile, error) {
	zr, err := openZip(ctx, blobs, key, name, size)
	if err != nil {
		return nil, err
	}
	if fp, err := profileBoxes(zr, name); fp != nil || err != nil {
		return fp, err
	}
	images, other := imageEntries(zr)
	if len(images) == 0 {
		return nil, invalid(ReasonNoImages, "file %q holds no images (.png, .jpg, ...): upload a zip of image folders, one folder per class, or a spreadsheet exported as CSV", name)
	}
	counts := map[string]int{}
	for _, im := range images {
		if im.class != "" {
			counts[im.class]++
		}
	}
	classes := sortedClasses(counts)
	fp := &FileProfile{Name: name, Format: FormatZip, Rows: int64(len(images)), Classes: classes, OtherFiles: other}
	if len(classes) >= 2 {
		fp.Header = []string{"path", "label"}
	} else {
		fp.Header = []string{"path"}
	}
	return fp, nil
}

// sortedClasses lists the counts of each class, most frequent first, ties by name, so a
// profile reads the same on every run.
func sortedClasses(counts map[string]int) []profile.ValueCount {
	classes := make([]profile.ValueCount, 0, len(counts))
	for c, n := range counts {
		classes = append(classes, profile.ValueCount{Value: c, Count: n})
	}
	sort.Slice(classes, func(i, j int) bool {
		if classes[i].Count != classes[j].Count {
			return classes[i].Count > classes[j].Count
		}
		return classes[i].Value < classes[j].Value
	})
	return classes
}

// zipPreview returns the first n images of an archive as rows of path (and label).
func zipPreview(ctx context.Context, blobs *blob.Store, key, name string, size int64, n int, labeled bool) ([][]string, error) {
	zr, err := openZip(ctx, blobs, key, name, size)
	if err != nil {
		return nil, fmt.Errorf("preview %q: %w", name, err)
	}
	if rows, ok := boxPreview(zr, n); ok {
		return rows, nil
	}
	images, _ := imageEntries(zr)
	rows := make([][]string, 0, min(n, len(images)))
	for _, im := range images[:min(n, len(images))] {
		if labeled {
			rows = append(rows, []string{im.path, im.class})
		} else {
			rows = append(rows, []string{im.path})
		}
	}
	return rows, nil
}
