package client

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// ParseFormat reads "onnx" or "native" (empty is native).
func ParseFormat(s string) (trainyardv1.ArtifactFormat, error) {
	switch s {
	case "", "native":
		return trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_NATIVE, nil
	case "onnx":
		return trainyardv1.ArtifactFormat_ARTIFACT_FORMAT_ONNX, nil
	}
	return 0, fmt.Errorf("format %q: want onnx or native", s)
}

// Download streams the model's artifact in format to w with the DownloadModel stream and
// returns the file name the server gave and the bytes written.
func (c *Client) Download(ctx context.Context, model string, format trainyardv1.ArtifactFormat, w io.Writer, progress Progress) (string, int64, error) {
	if err := c.settings.RequireKey(); err != nil {
		return "", 0, err
	}
	stream, err := c.Models.DownloadModel(ctx, &trainyardv1.DownloadModelRequest{Name: ModelName(model), Format: format})
	if err != nil {
		return "", 0, c.Explain(err)
	}
	defer stream.Close()
	var name string
	var n, total int64 = 0, -1
	for stream.Receive() {
		m := stream.Msg()
		if m.GetFilename() != "" {
			name = m.GetFilename()
		}
		if m.GetSizeBytes() > 0 {
			total = m.GetSizeBytes()
		}
		k, err := w.Write(m.GetChunk())
		n += int64(k)
		if err != nil {
			return name, n, err
		}
		if progress != nil {
			progress(n, total)
		}
	}
	if err := stream.Err(); err != nil {
		return name, n, c.Explain(err)
	}
	if total >= 0 && n != total {
		return name, n, fmt.Errorf("download of %s ended after %d of %d bytes", model, n, total)
	}
	return name, n, nil
}

// DownloadFile downloads the model's artifact into path (a folder takes the server's file
// name) through a temporary file, so a failed download leaves nothing half-written. It returns
// the path written and its size.
func (c *Client) DownloadFile(ctx context.Context, model string, format trainyardv1.ArtifactFormat, path string, progress Progress) (string, int64, error) {
	dir := path
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	tmp, err := os.CreateTemp(dir, ".trainyard-download-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	name, n, err := c.Download(ctx, model, format, tmp, progress)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", n, err
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		if name == "" {
			name = "model"
		}
		path = filepath.Join(path, filepath.Base(name))
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", n, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", n, err
	}
	return path, n, nil
}
