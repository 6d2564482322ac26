// Package blob stores datasets, model artifacts and reports in a bucket chosen by URL
// (gocloud.dev/blob): a directory of local files by default, Google Cloud Storage in
// production. It streams in both directions, so no file is ever held whole in memory, and it
// signs short-lived links (see Signer) that work the same for every backend because the server
// itself verifies them.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	// gcsblob registers the gs:// scheme (with STORAGE_EMULATOR_HOST support) on the URL mux
	// of gocloud.dev/blob, which Open uses for every scheme but file:// and mem://.
	_ "gocloud.dev/blob/gcsblob"
)

// ErrNotFound means no blob has the key.
var ErrNotFound = errors.New("blob not found")

// Store is an open bucket.
type Store struct {
	bucket *blob.Bucket
	url    string
}

// Open opens the bucket named by rawURL. An empty URL means file:// under dataDir/blobs.
// file:///abs/dir stores plain files (no metadata sidecars) and creates the directory;
// mem:// keeps blobs in memory (tests); gs://bucket opens Google Cloud Storage with the
// default credentials, or the emulator named by STORAGE_EMULATOR_HOST.
func Open(ctx context.Context, rawURL, dataDir string) (*Store, error) {
	if rawURL == "" {
		if dataDir == "" {
			return nil, errors.New("open blob store: neither a blob URL nor a data dir is set")
		}
		abs, err := filepath.Abs(filepath.Join(dataDir, "blobs"))
		if err != nil {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
		rawURL = "file://" + filepath.ToSlash(abs)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob store: parse url: %w", err)
	}
	var b *blob.Bucket
	switch u.Scheme {
	case "file":
		b, err = openFile(u)
	case "mem":
		b = memblob.OpenBucket(nil)
	default:
		b, err = blob.OpenBucket(ctx, rawURL)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", redact(u), err)
	}
	return &Store{bucket: b, url: redact(u)}, nil
}

// openFile opens a fileblob bucket that writes no metadata sidecar files and keeps its
// temporary files next to the data (so renames never cross file systems).
func openFile(u *url.URL) (*blob.Bucket, error) {
	dir := u.Path
	if u.Host != "" && u.Host != "localhost" {
		dir = u.Host + u.Path // file://relative/dir
	}
	if dir == "" {
		return nil, errors.New("file url has no path")
	}
	dir = filepath.FromSlash(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return fileblob.OpenBucket(dir, &fileblob.Options{
		Metadata:  fileblob.MetadataDontWrite,
		CreateDir: true,
		NoTempDir: true,
	})
}

// redact drops credentials and query parameters from a URL for logs and errors.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

// String returns the bucket's URL without credentials.
func (s *Store) String() string { return s.url }

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Writer streams bytes into one blob. Close commits them; Abort discards them.
type Writer struct {
	w      *blob.Writer
	cancel context.CancelFunc
	n      int64
}

// Create opens a writer for key. Nothing is visible under key until Close succeeds.
func (s *Store) Create(ctx context.Context, key, contentType string) (*Writer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{
		ContentType: contentType,
		// Upload in 8 MiB parts: enough for throughput, small enough to keep memory flat.
		BufferSize: 8 << 20,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("create blob %q: %w", key, err)
	}
	return &Writer{w: w, cancel: cancel}, nil
}

// Write appends p to the blob.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return n, err
}

// Written returns the number of bytes written so far.
func (w *Writer) Written() int64 { return w.n }

// Close commits the blob.
func (w *Writer) Close() error {
	defer w.cancel()
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("commit blob: %w", err)
	}
	return nil
}

// Abort discards what was written; the key keeps its previous content (or stays absent).
func (w *Writer) Abort() {
	w.cancel()
	_ = w.w.Close() // fails with context.Canceled by design: that is what discards the data
}

// Open returns a reader of the whole blob at key. The reader knows the blob's size.
func (s *Store) Open(ctx context.Context, key string) (*blob.Reader, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange returns a reader of length bytes from offset (length < 0: to the end).
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (*blob.Reader, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	r, err := s.bucket.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, wrap("open", key, err)
	}
	return r, nil
}

// Attrs describes a stored blob.
type Attrs struct {
	// Size is the blob's length in bytes.
	Size int64
	// ContentType is the media type recorded at write (may be empty for file://).
	ContentType string
	// ModTime is when the blob was last written.
	ModTime time.Time
}

// Stat returns the attributes of the blob at key, or ErrNotFound.
func (s *Store) Stat(ctx context.Context, key string) (Attrs, error) {
	if err := checkKey(key); err != nil {
		return Attrs{}, err
	}
	a, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return Attrs{}, wrap("stat", key, err)
	}
	return Attrs{Size: a.Size, ContentType: a.ContentType, ModTime: a.ModTime}, nil
}

// Delete removes the blob at key; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return wrap("delete", key, err)
	}
	return nil
}

// DeletePrefix removes every blob whose key starts with prefix, which must end in "/".
func (s *Store) DeletePrefix(ctx context.Context, prefix string) error {
	if !strings.HasSuffix(prefix, "/") || checkKey(prefix) != nil {
		return fmt.Errorf("delete prefix %q: must be a relative key ending in /", prefix)
	}
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list %q: %w", prefix, err)
		}
		if obj.IsDir {
			continue
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			return err
		}
	}
}

// checkKey rejects keys that could escape a file bucket or confuse a cloud one.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return fmt.Errorf("invalid blob key %q", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == ".." || part == "." {
			return fmt.Errorf("invalid blob key %q", key)
		}
	}
	return nil
}

// wrap turns a bucket error into ErrNotFound when it means that.
func wrap(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%s blob %q: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("%s blob %q: %w", op, key, err)
}
