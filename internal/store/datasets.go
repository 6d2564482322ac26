package store

import (
	"context"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/dataset"
	"github.com/trainyard/trainyard/ent/predicate"
	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/ent/types"
)

// DataType is the kind of data of a dataset or project.
type DataType = types.DataType

// The data types.
const (
	DataTypeTabular    = types.DataTypeTabular
	DataTypeText       = types.DataTypeText
	DataTypeImage      = types.DataTypeImage
	DataTypeMultimodal = types.DataTypeMultimodal
)

// DatasetFile is one uploaded file of a dataset.
type DatasetFile = types.DatasetFile

// NewDataset describes an uploaded dataset; its owner is the viewer.
type NewDataset struct {
	DisplayName string
	DataType    DataType
	Files       []DatasetFile
	SizeBytes   int64
	NumRows     int64
	NumColumns  int
	Labeled     bool
	// Profile is the JSON profile computed while the bytes streamed in.
	Profile json.RawMessage
	// RequestID makes the create idempotent per owner ("" = not idempotent).
	RequestID string
	// ExpiresAt is when the data may be cleaned up (nil = never).
	ExpiresAt *time.Time
}

// CreateDataset records an uploaded dataset owned by the viewer. With a RequestID the viewer
// already used, it returns the dataset created then.
func (s *Store) CreateDataset(ctx context.Context, in NewDataset) (*ent.Dataset, error) {
	owner := viewerID(ctx)
	if in.RequestID != "" {
		d, err := s.client.Dataset.Query().Where(dataset.OwnerID(owner), dataset.RequestID(in.RequestID)).Only(ctx)
		if err == nil {
			return d, nil
		} else if !ent.IsNotFound(err) {
			return nil, mapErr(err, "dataset")
		}
	}
	c := s.client.Dataset.Create().
		SetOwnerID(owner).
		SetDisplayName(in.DisplayName).
		SetDataType(in.DataType).
		SetFiles(in.Files).
		SetSizeBytes(in.SizeBytes).
		SetNumRows(in.NumRows).
		SetNumColumns(in.NumColumns).
		SetLabeled(in.Labeled)
	if len(in.Profile) > 0 {
		c.SetProfile(in.Profile)
	}
	if in.RequestID != "" {
		c.SetRequestID(in.RequestID)
	}
	if in.ExpiresAt != nil {
		c.SetExpiresAt(in.ExpiresAt.UTC())
	}
	d, err := c.Save(ctx)
	if ent.IsConstraintError(err) && in.RequestID != "" { // a concurrent create with the same request id
		return s.client.Dataset.Query().Where(dataset.OwnerID(owner), dataset.RequestID(in.RequestID)).Only(ctx)
	}
	return d, mapErr(err, "dataset")
}

// GetDataset returns a dataset the viewer may see; a deleted one (see DeleteUsedDataset) is
// ErrNotFound.
func (s *Store) GetDataset(ctx context.Context, id uuid.UUID) (*ent.Dataset, error) {
	d, err := s.client.Dataset.Query().Where(dataset.ID(id), dataset.DeletedAtIsNil()).Only(ctx)
	return d, mapErr(err, "dataset "+id.String())
}

// ListDatasets returns the viewer's datasets (every user's for an admin), newest first, the
// deleted ones left out.
func (s *Store) ListDatasets(ctx context.Context, page PageRequest) ([]*ent.Dataset, string, error) {
	return listPage(ctx, page, "datasets",
		func(where, order func(*sql.Selector), limit int) ([]*ent.Dataset, error) {
			return s.client.Dataset.Query().Where(predicate.Dataset(where), dataset.DeletedAtIsNil()).
				Order(dataset.OrderOption(order)).Limit(limit).All(ctx)
		},
		func(d *ent.Dataset) (time.Time, uuid.UUID) { return d.CreatedAt, d.ID })
}

// ListExpiredDatasets returns up to limit datasets whose expiry is before now (for the
// cleanup job; needs a system or admin viewer to see every owner's).
func (s *Store) ListExpiredDatasets(ctx context.Context, now time.Time, limit int) ([]*ent.Dataset, error) {
	ds, err := s.client.Dataset.Query().
		Where(dataset.ExpiresAtNotNil(), dataset.ExpiresAtLT(now.UTC())).
		Order(ent.Asc(dataset.FieldExpiresAt)).Limit(limit).All(ctx)
	return ds, mapErr(err, "datasets")
}

// DeleteDataset deletes a dataset row (its blobs are the caller's to delete first). A dataset
// that projects still use is ErrFailedPrecondition.
func (s *Store) DeleteDataset(ctx context.Context, id uuid.UUID) error {
	return s.inTx(ctx, func(tx *Tx) error {
		d, err := tx.c.Dataset.Get(ctx, id)
		if err != nil {
			return mapErr(err, "dataset "+id.String())
		}
		n, err := d.QueryProjects().Count(system(ctx))
		if err != nil {
			return mapErr(err, "dataset "+id.String())
		}
		if n > 0 {
			return newErr(ErrFailedPrecondition, "dataset is used by %d projects", n)
		}
		return mapErr(tx.c.Dataset.DeleteOneID(id).Exec(ctx), "dataset "+id.String())
	})
}

// DeleteUsedDataset deletes a dataset that finished projects still reference: the row stays
// for their records (name, size, shape) but is hidden (GetDataset and ListDatasets no longer
// find it, and no project can start on it) and forgets its files and profile. It returns the
// dataset as it was, whose files the caller deletes from the blob store. A dataset a running
// project uses is ErrFailedPrecondition; one without projects should be deleted with
// DeleteDataset.
func (s *Store) DeleteUsedDataset(ctx context.Context, id uuid.UUID) (*ent.Dataset, error) {
	var out *ent.Dataset
	err := s.inTx(ctx, func(tx *Tx) error {
		d, err := tx.c.Dataset.Query().Where(dataset.ID(id), dataset.DeletedAtIsNil()).Only(ctx)
		if err != nil {
			return mapErr(err, "dataset "+id.String())
		}
		n, err := d.QueryProjects().Where(project.StageIn(activeStages()...)).Count(system(ctx))
		if err != nil {
			return mapErr(err, "dataset "+id.String())
		}
		if n > 0 {
			return newErr(ErrFailedPrecondition, "dataset %s is used by %d running project(s): cancel them or wait until they finish, then delete it", id, n)
		}
		if err := tx.c.Dataset.UpdateOneID(id).SetDeletedAt(nowUTC()).ClearFiles().ClearProfile().Exec(ctx); err != nil {
			return mapErr(err, "dataset "+id.String())
		}
		out = d
		return nil
	})
	return out, err
}
