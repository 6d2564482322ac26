package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/privacy"
	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/store"
)

// Get returns a dataset the viewer may see (another user's is store.ErrNotFound).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.Dataset, error) {
	return s.st.GetDataset(ctx, id)
}

// List returns a page of the viewer's datasets, newest first.
func (s *Service) List(ctx context.Context, page store.PageRequest) ([]*ent.Dataset, string, error) {
	return s.st.ListDatasets(ctx, page)
}

// Preview is the head of a dataset with its profile.
type Preview struct {
	// Dataset is the row.
	Dataset *ent.Dataset
	// Profile is its stored profile.
	Profile *Profile
	// Columns names the columns of Rows.
	Columns []string
	// Rows are the first rows of the primary file; missing cells are "".
	Rows [][]string
}

// Preview returns the first n rows (DefaultPreviewRows when n <= 0, at most MaxPreviewRows) of
// the dataset's primary file and its profile. It reads only the head of the blob.
func (s *Service) Preview(ctx context.Context, id uuid.UUID, n int) (*Preview, error) {
	if n <= 0 {
		n = DefaultPreviewRows
	}
	n = min(n, MaxPreviewRows)
	d, err := s.st.GetDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	prof, err := ProfileOf(d)
	if err != nil {
		return nil, err
	}
	p := &Preview{Dataset: d, Profile: prof, Rows: [][]string{}}
	primary := prof.Primary()
	if primary == nil {
		return p, nil
	}
	var file *store.DatasetFile
	for i := range d.Files {
		if d.Files[i].Name == primary.Name {
			file = &d.Files[i]
			break
		}
	}
	if file == nil {
		return nil, fmt.Errorf("dataset %s: no stored file for profile %q", d.ID, primary.Name)
	}
	p.Columns = primary.Header
	switch primary.Format {
	case FormatZip:
		p.Rows, err = zipPreview(ctx, s.blobs, file.BlobKey, file.Name, file.SizeBytes, n, len(primary.Classes) >= 2)
	default:
		p.Rows, err = s.csvHead(ctx, file.BlobKey, primary, n)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// csvHead reads the first n data rows of a stored delimited file, stopping as soon as it has
// them.
func (s *Service) csvHead(ctx context.Context, key string, fp *FileProfile, n int) ([][]string, error) {
	r, err := s.blobs.Open(ctx, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, &Error{Kind: store.ErrFailedPrecondition, Reason: ReasonNotAvailable,
				Msg: "the dataset's file is no longer in the blob store"}
		}
		return nil, err
	}
	defer r.Close()
	delim := byte(',')
	if fp.Delimiter != "" {
		delim = fp.Delimiter[0]
	}
	markers := newTableStats("", delim, 0)
	rows := make([][]string, 0, n)
	header := true
	sc := newScanner(delim, func(rec *record) error {
		if header {
			header = false
			return nil
		}
		row := make([]string, rec.n())
		for j := range row {
			if markers.isMissing(rec.field(j)) {
				continue
			}
			row[j] = strings.ToValidUTF8(string(rec.field(j)), "\uFFFD")
		}
		rows = append(rows, row)
		if len(rows) == n {
			return errStop
		}
		return nil
	})
	buf := make([]byte, 64<<10)
	first := true
	for !sc.stopped() {
		m, err := r.Read(buf)
		chunk := buf[:m]
		if first && len(chunk) >= 3 && string(chunk[:3]) == "\xEF\xBB\xBF" {
			chunk = chunk[3:]
		}
		first = first && m == 0
		if _, werr := sc.Write(chunk); werr != nil && werr != errStop {
			return nil, fmt.Errorf("preview: %w", werr)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
	}
	if err := sc.Close(); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	return rows, nil
}

// Delete removes a dataset the viewer owns and its files. A dataset that projects still use
// is kept: FailedPrecondition names them.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	d, err := s.st.GetDataset(ctx, id)
	if err != nil {
		return err
	}
	c := s.st.Client()
	used, err := c.Project.Query().Where(project.DatasetID(id)).Count(ctx)
	if err != nil {
		return fmt.Errorf("count projects of dataset: %w", err)
	}
	if used > 0 {
		return &Error{Kind: store.ErrFailedPrecondition, Reason: ReasonInUse,
			Msg: fmt.Sprintf("dataset %s is used by %d project(s): delete those projects first", id, used)}
	}
	if err := c.Dataset.DeleteOneID(id).Exec(ctx); err != nil {
		switch {
		case errors.Is(err, privacy.Deny):
			return &Error{Kind: store.ErrPermissionDenied, Reason: ReasonReadOnly, Msg: "this API key may not delete datasets"}
		case ent.IsNotFound(err):
			return &Error{Kind: store.ErrNotFound, Msg: fmt.Sprintf("dataset %s not found", id)}
		case ent.IsConstraintError(err):
			return &Error{Kind: store.ErrFailedPrecondition, Reason: ReasonInUse,
				Msg: fmt.Sprintf("dataset %s is used by a project: delete that project first", id)}
		}
		return fmt.Errorf("delete dataset: %w", err)
	}
	var errs []error
	for _, f := range d.Files {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), f.BlobKey); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
