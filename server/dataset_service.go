package server

import (
	"context"
	"errors"
	"io"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/gen/go/trainyard/v1/trainyardv1connect"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// DatasetService implements trainyard.v1.DatasetService on the datasets domain.
type DatasetService struct{ d *data }

var _ trainyardv1connect.DatasetServiceHandler = (*DatasetService)(nil)

// UploadDataset implements trainyard.v1.DatasetService.UploadDataset: a header, then the
// file's bytes in chunks, streamed into the blob store as they arrive.
func (h *DatasetService) UploadDataset(ctx context.Context, stream *connect.ClientStream[trainyardv1.UploadDatasetRequest]) (*trainyardv1.Dataset, error) {
	if !stream.Receive() {
		if err := stream.Err(); err != nil {
			return nil, err
		}
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("empty upload stream: send a header message, then the file's bytes as chunks"))
	}
	header := stream.Msg().GetHeader()
	if header == nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("the first message of an upload must be the header (filename, ...), not a chunk"))
	}
	up := &datasets.Upload{
		DisplayName: header.GetDisplayName(),
		DataType:    dataTypeFromProto(header.GetDataType()),
		RequestID:   requestIDOf(ctx, header.GetRequestId()),
	}
	sent := false
	next := func() (datasets.File, error) {
		if sent {
			return datasets.File{}, io.EOF
		}
		sent = true
		return datasets.File{Name: header.GetFilename(), ContentType: header.GetContentType(), Body: &chunkReader{stream: stream}}, nil
	}
	d, err := h.d.ds.Upload(ctx, up, next)
	if err != nil {
		return nil, err
	}
	return datasetToProto(d)
}

// chunkReader reads the chunks of an upload stream as one byte stream.
type chunkReader struct {
	stream *connect.ClientStream[trainyardv1.UploadDatasetRequest]
	buf    []byte
	done   bool
}

// Read implements io.Reader.
func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if !r.stream.Receive() {
			r.done = true
			if err := r.stream.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if r.stream.Msg().GetHeader() != nil {
			return 0, connect.NewError(connect.CodeInvalidArgument, errors.New("a second header in one upload: send one header, then only chunks (one file per stream)"))
		}
		r.buf = r.stream.Msg().GetChunk()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// GetDataset implements trainyard.v1.DatasetService.GetDataset.
func (h *DatasetService) GetDataset(ctx context.Context, req *trainyardv1.GetDatasetRequest) (*trainyardv1.Dataset, error) {
	id, err := parseName(req.GetName(), "datasets")
	if err != nil {
		return nil, err
	}
	d, err := h.d.ds.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return datasetToProto(d)
}

// ListDatasets implements trainyard.v1.DatasetService.ListDatasets.
func (h *DatasetService) ListDatasets(ctx context.Context, req *trainyardv1.ListDatasetsRequest) (*trainyardv1.ListDatasetsResponse, error) {
	ds, next, err := h.d.ds.List(ctx, store.PageRequest{Size: int(req.GetPageSize()), Token: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.ListDatasetsResponse{NextPageToken: next, Datasets: make([]*trainyardv1.Dataset, 0, len(ds))}
	for _, d := range ds {
		pd, err := datasetToProto(d)
		if err != nil {
			return nil, err
		}
		out.Datasets = append(out.Datasets, pd)
	}
	return out, nil
}

// GetDataPreview implements trainyard.v1.DatasetService.GetDataPreview.
func (h *DatasetService) GetDataPreview(ctx context.Context, req *trainyardv1.GetDataPreviewRequest) (*trainyardv1.DataPreview, error) {
	id, err := parseName(req.GetName(), "datasets")
	if err != nil {
		return nil, err
	}
	p, err := h.d.ds.Preview(ctx, id, int(req.GetRows()))
	if err != nil {
		return nil, err
	}
	return previewToProto(p), nil
}

// DeleteDataset implements trainyard.v1.DatasetService.DeleteDataset, as its contract says:
// the dataset and its files go, and projects that used it keep their records and models. A
// dataset no project uses is removed entirely; one that finished projects reference loses its
// files and is hidden from the API, its row kept for those projects (store.DeleteUsedDataset).
// A dataset a running project uses is refused (FailedPrecondition) until it finishes.
func (h *DatasetService) DeleteDataset(ctx context.Context, req *trainyardv1.DeleteDatasetRequest) (*trainyardv1.DeleteDatasetResponse, error) {
	id, err := parseName(req.GetName(), "datasets")
	if err != nil {
		return nil, err
	}
	err = h.d.ds.Delete(ctx, id)
	var de *datasets.Error
	if errors.As(err, &de) && de.Reason == datasets.ReasonInUse {
		err = h.deleteUsed(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return &trainyardv1.DeleteDatasetResponse{}, nil
}

// deleteUsed deletes a dataset that projects reference: hidden and emptied in the store, then
// its files removed from the blob store (a file left behind is logged, not an error).
func (h *DatasetService) deleteUsed(ctx context.Context, id uuid.UUID) error {
	d, err := h.d.s.store.DeleteUsedDataset(ctx, id)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range d.Files {
		errs = append(errs, h.d.blobs.Delete(context.WithoutCancel(ctx), f.BlobKey))
	}
	if err := errors.Join(errs...); err != nil {
		h.d.s.log.WarnContext(ctx, "deleted dataset left files behind", "dataset", id, "err", err)
	}
	return nil
}
