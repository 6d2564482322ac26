package pipeline

import (
	"context"
	"path"
	"strings"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
)

// loadDataFrame reads the project's dataset as uploaded (cached by dataset id); loadFrame adds
// the labels of the LABELING stage.
func (p *Pipeline) loadDataFrame(ctx context.Context, proj *ent.Project) (*frame.Frame, error) {
	if f := p.frames.get(proj.DatasetID); f != nil {
		return f, nil
	}
	ds, err := p.st.GetDataset(store.SystemContext(ctx), proj.DatasetID)
	if err != nil {
		return nil, err
	}
	file, ok := tableFile(ds)
	if !ok {
		return nil, userErrorf([]string{"Upload the data as a CSV or TSV file with a header row and one column per field"},
			"the dataset holds no table this version can train on (data type %s); tabular CSV/TSV data is supported", strings.ToLower(string(ds.DataType)))
	}
	r, err := p.blobs.Open(ctx, file.BlobKey)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	opts := frame.ReadOptions{ReplaceInvalidUTF8: true}
	if ext := strings.ToLower(path.Ext(file.Name)); ext == ".tsv" || ext == ".tab" {
		opts.Delimiter = '\t'
	}
	f, err := frame.Read(ctx, r, opts)
	if err != nil {
		return nil, userErrorf([]string{"Check that the file is a well-formed CSV with a header row", "Upload the file again"},
			"the dataset could not be read as a table: %v", err)
	}
	p.frames.put(proj.DatasetID, f)
	return f, nil
}

// tableFile returns the dataset's first delimited text file.
func tableFile(ds *ent.Dataset) (store.DatasetFile, bool) {
	for _, f := range ds.Files {
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".csv", ".tsv", ".tab", ".txt", "":
			return f, true
		}
		if strings.HasPrefix(f.ContentType, "text/") {
			return f, true
		}
	}
	return store.DatasetFile{}, false
}
