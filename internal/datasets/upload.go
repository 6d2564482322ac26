package datasets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/dataset"
	"github.com/trainyard/trainyard/internal/store"
)

// Upload describes an upload. The fields may be filled while the files stream (a multipart
// form may send them after the files); Upload reads them after the last file, except
// RequestID, which is checked before the first file when it is already set.
type Upload struct {
	// DisplayName is a short title; the first file's name when empty.
	DisplayName string
	// DataType is the kind of data; "" detects it.
	DataType store.DataType
	// RequestID makes retries safe: the same id returns the dataset made the first time.
	RequestID string
}

// File is one file of an upload.
type File struct {
	// Name is the file's name as uploaded ("churn.csv"); its extension hints at the format.
	Name string
	// ContentType is the media type the client gave; detected when empty.
	ContentType string
	// Body streams the bytes; Upload reads it to the end.
	Body io.Reader
}

// NextFile returns the next file of an upload, or io.EOF after the last one. Upload reads each
// file's Body to its end before asking for the next.
type NextFile func() (File, error)

// Upload streams the files that next yields into the blob store, checks and profiles them on
// the way, and records one dataset owned by the viewer of ctx. No file is held in memory:
// bytes pass through a fixed buffer to the blob store, a SHA-256 and the profiler. On any
// error nothing is recorded and the stored bytes are deleted.
func (s *Service) Upload(ctx context.Context, up *Upload, next NextFile) (*ent.Dataset, error) {
	if d, err := s.byRequestID(ctx, up.RequestID); d != nil || err != nil {
		return d, err
	}
	uploadID := uuid.Must(uuid.NewV7())
	prefix := "datasets/" + uploadID.String() + "/"
	d, err := s.upload(ctx, up, next, prefix)
	if err != nil {
		// The caller's context may be the reason; clean up regardless of it.
		_ = s.blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
		return nil, err
	}
	if len(d.Files) > 0 && !strings.HasPrefix(d.Files[0].BlobKey, prefix) {
		// A concurrent upload with the same request id won: keep its files, drop ours.
		_ = s.blobs.DeletePrefix(context.WithoutCancel(ctx), prefix)
	}
	return d, nil
}

// byRequestID returns the viewer's dataset made with requestID, or nil.
func (s *Service) byRequestID(ctx context.Context, requestID string) (*ent.Dataset, error) {
	if requestID == "" {
		return nil, nil
	}
	v, _ := store.ViewerFrom(ctx)
	d, err := s.st.Client().Dataset.Query().
		Where(dataset.OwnerID(v.UserID), dataset.RequestID(requestID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up request id: %w", err)
	}
	return d, nil
}

// upload does the work of Upload under the blob prefix.
func (s *Service) upload(ctx context.Context, up *Upload, next NextFile, prefix string) (*ent.Dataset, error) {
	var (
		files []store.DatasetFile
		prof  = &Profile{}
		total int64
		buf   = make([]byte, chunkBytes)
	)
	for i := 0; ; i++ {
		f, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if i == 0 {
			// The id may have come with the first file (a multipart field before it).
			if d, err := s.byRequestID(ctx, up.RequestID); d != nil || err != nil {
				return d, err
			}
		}
		name := cleanName(f.Name)
		key := fmt.Sprintf("%s%02d-%s", prefix, i, name)
		df, fp, err := s.storeFile(ctx, f, name, key, buf, &total)
		if err != nil {
			return nil, err
		}
		files = append(files, df)
		prof.Files = append(prof.Files, *fp)
	}
	if len(files) == 0 {
		return nil, invalid(ReasonNoFiles, "the upload holds no file: send the data in a form field named \"file\"")
	}
	if d, err := s.byRequestID(ctx, up.RequestID); d != nil || err != nil {
		return d, err
	}
	want := up.DataType
	sum := summarize(prof, want)
	raw, err := json.Marshal(prof)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	title := strings.TrimSpace(up.DisplayName)
	if title == "" {
		title = files[0].Name
	}
	in := store.NewDataset{
		DisplayName: title,
		DataType:    sum.dataType,
		Files:       files,
		SizeBytes:   total,
		NumRows:     sum.rows,
		NumColumns:  sum.columns,
		Labeled:     sum.labeled,
		Profile:     raw,
		RequestID:   up.RequestID,
	}
	if s.opts.Retention > 0 {
		// Microsecond precision: what both SQLite and Postgres keep, so reads equal this answer.
		exp := s.opts.Now().Add(s.opts.Retention).UTC().Truncate(time.Microsecond)
		in.ExpiresAt = &exp
	}
	return s.st.CreateDataset(ctx, in)
}

// storeFile streams one file into the blob store at key and profiles it. total counts the
// bytes of the whole upload against the limit.
func (s *Service) storeFile(ctx context.Context, f File, name, key string, buf []byte, total *int64) (store.DatasetFile, *FileProfile, error) {
	// The head decides the format before anything is written.
	n, err := io.ReadFull(f.Body, buf[:512])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return store.DatasetFile{}, nil, fmt.Errorf("read %q: %w", name, err)
	}
	head := buf[:n]
	format, delim, err := detectFormat(name, head)
	if err != nil {
		return store.DatasetFile{}, nil, err
	}
	ctype := f.ContentType
	if ctype == "" || ctype == "application/octet-stream" {
		ctype = contentTypeOf(format, delim)
	}
	w, err := s.blobs.Create(ctx, key, ctype)
	if err != nil {
		return store.DatasetFile{}, nil, err
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()
	h := sha256.New()
	var table *tableStats
	sinks := []io.Writer{w, h}
	if format == FormatCSV {
		table = newTableStats(name, delim, s.opts.SampleBytes)
		sinks = append(sinks, table)
	}
	out := io.MultiWriter(sinks...)
	var size int64
	chunk := head
	for {
		if len(chunk) > 0 {
			size += int64(len(chunk))
			*total += int64(len(chunk))
			if *total > s.opts.MaxBytes {
				return store.DatasetFile{}, nil, &Error{Kind: store.ErrInvalidArgument, Reason: ReasonTooLarge,
					Msg: fmt.Sprintf("the upload is larger than the limit of %s per dataset (at file %q): split the data or sample it", formatBytes(s.opts.MaxBytes), name)}
			}
			if _, err := out.Write(chunk); err != nil {
				return store.DatasetFile{}, nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return store.DatasetFile{}, nil, err
		}
		n, err := f.Body.Read(buf)
		chunk = buf[:n]
		if err == io.EOF {
			if n > 0 {
				continue // write the last bytes, then read EOF again
			}
			break
		}
		if err != nil {
			return store.DatasetFile{}, nil, fmt.Errorf("read %q: %w", name, err)
		}
	}
	if size == 0 {
		return store.DatasetFile{}, nil, invalid(ReasonEmpty, "file %q is empty: upload a CSV with a header row and at least one data row, or a zip of images", name)
	}
	var fp *FileProfile
	if table != nil {
		if err := table.Close(); err != nil {
			return store.DatasetFile{}, nil, err
		}
	}
	if err := w.Close(); err != nil {
		return store.DatasetFile{}, nil, err
	}
	committed = true
	if table != nil {
		fp, err = table.profileOf(ctx)
	} else {
		fp, err = profileZip(ctx, s.blobs, key, name, size)
	}
	if err != nil {
		return store.DatasetFile{}, nil, err
	}
	return store.DatasetFile{Name: name, BlobKey: key, SizeBytes: size, SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: ctype}, fp, nil
}

// detectFormat decides how to read a file from its name and first bytes.
func detectFormat(name string, head []byte) (format string, delim byte, err error) {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")) || ext == ".parquet" || ext == ".pq":
		return "", 0, invalid(ReasonUnsupported, "file %q is Parquet, which is not supported yet: convert it to CSV", name)
	case ext == ".xlsx" || ext == ".xls" || ext == ".ods" || bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", 0, invalid(ReasonUnsupported, "file %q is a spreadsheet: save it as CSV (UTF-8) and upload that", name)
	case ext == ".json" || ext == ".jsonl" || ext == ".ndjson":
		return "", 0, invalid(ReasonUnsupported, "file %q is JSON, which is not supported yet: convert it to CSV", name)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return FormatZip, 0, nil
	case ext == ".zip":
		if len(head) == 0 {
			return FormatZip, 0, nil // reported as empty
		}
		return "", 0, invalid(ReasonMalformed, "file %q is named .zip but is not a zip archive", name)
	case ext == ".tsv" || ext == ".tab":
		return FormatCSV, '\t', nil
	}
	return FormatCSV, 0, nil
}

// contentTypeOf names the media type of a detected format.
func contentTypeOf(format string, delim byte) string {
	switch {
	case format == FormatZip:
		return "application/zip"
	case delim == '\t':
		return "text/tab-separated-values"
	}
	return "text/csv"
}

// cleanName keeps the base name of an uploaded file, without path or control characters, at
// most 200 bytes; "data" when nothing is left.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "data"
	}
	for len(name) > 200 {
		_, size := lastRune(name)
		name = name[:len(name)-size]
	}
	return name
}

// lastRune returns the last rune of s and its size.
func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return []rune(s[i:])[0], len(s) - i
		}
	}
	return 0, 1
}

// formatBytes writes a size in decimal units ("10 GB", "1.5 MB").
func formatBytes(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	v, u := float64(n), 0
	for v >= 1000 && u < len(units)-1 {
		v /= 1000
		u++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}
