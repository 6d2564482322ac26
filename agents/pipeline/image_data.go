package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
)

// imageTarget names the label of an image dataset: the class folder each image sits in.
const imageTarget = "label"

// isImageProject reports whether a project learns from an image archive.
func isImageProject(proj *ent.Project) bool { return proj.DataType == store.DataTypeImage }

// loadImages reads the images of the project's archive, in archive order, with their labels
// (the folder of each image; "" for an image at the top of the archive).
func (p *Pipeline) loadImages(ctx context.Context, proj *ent.Project) ([]image.Example, error) {
	ds, err := p.st.GetDataset(store.SystemContext(ctx), proj.DatasetID)
	if err != nil {
		return nil, err
	}
	var file *store.DatasetFile
	for i, f := range ds.Files {
		if strings.EqualFold(path.Ext(f.Name), ".zip") || f.ContentType == "application/zip" {
			file = &ds.Files[i]
			break
		}
	}
	if file == nil {
		return nil, userErrorf([]string{"Upload the images as a zip archive with one folder per class"},
			"the dataset holds no zip archive of images")
	}
	r, err := p.blobs.Open(ctx, file.BlobKey)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read image archive: %w", err)
	}
	ex, err := image.ReadZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, userErrorf([]string{"Upload a zip archive with one folder per class, each holding that class's images"},
			"the image archive cannot be read: %v", err)
	}
	if len(ex) == 0 {
		return nil, userErrorf([]string{"Put PNG, JPEG, GIF or WebP images in the archive, one folder per class"}, "the archive holds no images")
	}
	return ex, nil
}

// imageClasses counts the labeled images per class, classes in first-seen order.
func imageClasses(ex []image.Example) (classes []string, counts map[string]int, unlabeled int) {
	counts = map[string]int{}
	for _, e := range ex {
		if e.Label == "" {
			unlabeled++
			continue
		}
		if counts[e.Label] == 0 {
			classes = append(classes, e.Label)
		}
		counts[e.Label]++
	}
	return classes, counts, unlabeled
}
