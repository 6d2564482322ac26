package client

import (
	"context"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// uploadChunk is the size of each message of an upload stream.
const uploadChunk = 256 << 10

// Progress is told how many bytes have moved so far of total (-1 when unknown).
type Progress func(done, total int64)

// UploadFile streams the file at path to the server with the UploadDataset client stream and
// returns the dataset. progress, when not nil, is told after every chunk.
func (c *Client) UploadFile(ctx context.Context, path string, progress Progress) (*trainyardv1.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	total := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		total = fi.Size()
	}
	return c.Upload(ctx, filepath.Base(path), f, total, progress)
}

// Upload streams r as a file named filename and returns the dataset. total is r's size, or -1.
func (c *Client) Upload(ctx context.Context, filename string, r io.Reader, total int64, progress Progress) (*trainyardv1.Dataset, error) {
	if err := c.settings.RequireKey(); err != nil {
		return nil, err
	}
	stream, err := c.Datasets.UploadDataset(ctx)
	if err != nil {
		return nil, c.Explain(err)
	}
	ct := mime.TypeByExtension(filepath.Ext(filename))
	if ct == "" && filepath.Ext(filename) == ".csv" {
		ct = "text/csv"
	}
	header := &trainyardv1.UploadHeader{Filename: filename, ContentType: ct, RequestId: uuid.NewString()}
	if err := stream.Send(&trainyardv1.UploadDatasetRequest{Part: &trainyardv1.UploadDatasetRequest_Header{Header: header}}); err != nil {
		return nil, c.closeUpload(stream, err)
	}
	buf := make([]byte, uploadChunk)
	var sent int64
	if progress != nil {
		progress(0, total)
	}
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			chunk := make([]byte, n)
			copy(chunk, buf[:n])
			if err := stream.Send(&trainyardv1.UploadDatasetRequest{Part: &trainyardv1.UploadDatasetRequest_Chunk{Chunk: chunk}}); err != nil {
				return nil, c.closeUpload(stream, err)
			}
			sent += int64(n)
			if progress != nil {
				progress(sent, total)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			_, _ = stream.CloseAndReceive()
			return nil, fmt.Errorf("read %s: %w", filename, rerr)
		}
	}
	res, err := stream.CloseAndReceive()
	if err != nil {
		return nil, c.Explain(err)
	}
	return res, nil
}

// closeUpload finishes a stream whose Send failed and returns the server's error, which
// says more than the send's io.EOF.
func (c *Client) closeUpload(stream *connect.ClientStreamForClientSimple[trainyardv1.UploadDatasetRequest, trainyardv1.Dataset], sendErr error) error {
	_, err := stream.CloseAndReceive()
	if err == nil {
		err = sendErr
	}
	return c.Explain(err)
}
