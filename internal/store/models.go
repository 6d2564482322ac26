package store

import (
	"context"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/model"
	"github.com/trainyard/trainyard/ent/predicate"
	"github.com/trainyard/trainyard/ent/types"
)

// ModelState is the lifecycle state of a model.
type ModelState = types.ModelState

// The model states.
const (
	ModelTraining = types.ModelTraining
	ModelReady    = types.ModelReady
	ModelDeployed = types.ModelDeployed
	ModelFailed   = types.ModelFailed
	ModelDeleted  = types.ModelDeleted
)

// NewModel describes a trained model; it belongs to its project's owner.
type NewModel struct {
	ProjectID     uuid.UUID
	Learner       string
	ArtifactKey   string
	ONNXKey       string
	Metrics       json.RawMessage
	Report        json.RawMessage
	FeatureSchema json.RawMessage
	CodeExamples  json.RawMessage
	State         ModelState
	EndpointID    string
	ExternalID    string
	// ExpiresAt is when the expiry job deletes the model; nil keeps it.
	ExpiresAt *time.Time
}

// CreateModel records a model of a project inside tx (workers, system viewer).
func (tx *Tx) CreateModel(ctx context.Context, in NewModel) (*ent.Model, error) {
	p, err := tx.c.Project.Get(ctx, in.ProjectID)
	if err != nil {
		return nil, mapErr(err, "project "+in.ProjectID.String())
	}
	if in.State == "" {
		in.State = ModelTraining
	}
	c := tx.c.Model.Create().
		SetOwnerID(p.OwnerID).
		SetProjectID(p.ID).
		SetLearner(in.Learner).
		SetArtifactKey(in.ArtifactKey).
		SetOnnxKey(in.ONNXKey).
		SetState(in.State).
		SetEndpointID(in.EndpointID).
		SetExternalID(in.ExternalID).
		SetNillableExpiresAt(in.ExpiresAt)
	setJSON(in.Metrics, c.SetMetrics)
	setJSON(in.Report, c.SetReport)
	setJSON(in.FeatureSchema, c.SetFeatureSchema)
	setJSON(in.CodeExamples, c.SetCodeExamples)
	m, err := c.Save(ctx)
	return m, mapErr(err, "model")
}

// setJSON calls set when doc is not empty.
func setJSON[B any](doc json.RawMessage, set func(json.RawMessage) B) {
	if len(doc) > 0 {
		set(doc)
	}
}

// ModelChanges lists model fields to set; nil fields are left alone.
type ModelChanges struct {
	State         *ModelState
	ArtifactKey   *string
	ONNXKey       *string
	Metrics       json.RawMessage
	Report        json.RawMessage
	FeatureSchema json.RawMessage
	CodeExamples  json.RawMessage
	EndpointID    *string
	ExternalID    *string
}

// UpdateModel sets fields of a model inside tx.
func (tx *Tx) UpdateModel(ctx context.Context, id uuid.UUID, ch ModelChanges) (*ent.Model, error) {
	u := tx.c.Model.UpdateOneID(id)
	if ch.State != nil {
		u.SetState(*ch.State)
	}
	if ch.ArtifactKey != nil {
		u.SetArtifactKey(*ch.ArtifactKey)
	}
	if ch.ONNXKey != nil {
		u.SetOnnxKey(*ch.ONNXKey)
	}
	setJSON(ch.Metrics, u.SetMetrics)
	setJSON(ch.Report, u.SetReport)
	setJSON(ch.FeatureSchema, u.SetFeatureSchema)
	setJSON(ch.CodeExamples, u.SetCodeExamples)
	if ch.EndpointID != nil {
		u.SetEndpointID(*ch.EndpointID)
	}
	if ch.ExternalID != nil {
		u.SetExternalID(*ch.ExternalID)
	}
	m, err := u.Save(ctx)
	return m, mapErr(err, "model "+id.String())
}

// UpdateModel is Tx.UpdateModel in its own transaction.
func (s *Store) UpdateModel(ctx context.Context, id uuid.UUID, ch ModelChanges) (*ent.Model, error) {
	var out *ent.Model
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.UpdateModel(ctx, id, ch)
		return err
	})
	return out, err
}

// GetModel returns a model the viewer may see (a key scoped to a model sees only that one).
func (s *Store) GetModel(ctx context.Context, id uuid.UUID) (*ent.Model, error) {
	m, err := s.client.Model.Get(ctx, id)
	return m, mapErr(err, "model "+id.String())
}

// ListModels returns the viewer's models (every user's for an admin), newest first, without
// deleted ones.
func (s *Store) ListModels(ctx context.Context, page PageRequest) ([]*ent.Model, string, error) {
	return listPage(ctx, page, "models",
		func(where, order func(*sql.Selector), limit int) ([]*ent.Model, error) {
			return s.client.Model.Query().Where(model.StateNEQ(ModelDeleted), predicate.Model(where)).
				Order(model.OrderOption(order)).Limit(limit).All(ctx)
		},
		func(m *ent.Model) (time.Time, uuid.UUID) { return m.CreatedAt, m.ID })
}
