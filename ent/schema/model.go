package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/rule"
	"github.com/trainyard/trainyard/ent/types"
)

// Model is a trained model: its artifacts in the blob store, its held-out metrics, its report,
// and where it is served.
type Model struct{ ent.Schema }

// Mixin of Model.
func (Model) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of Model.
func (Model) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.UUID("project_id", uuid.UUID{}).Immutable(),
		field.String("learner").Default("").MaxLen(200),
		field.String("artifact_key").Default("").MaxLen(1024),
		field.String("onnx_key").Default("").MaxLen(1024),
		field.JSON("metrics", json.RawMessage{}).Optional(),
		field.JSON("report", json.RawMessage{}).Optional(),
		field.JSON("feature_schema", json.RawMessage{}).Optional(),
		field.JSON("code_examples", json.RawMessage{}).Optional(),
		field.Enum("state").GoType(types.ModelTraining).Default(string(types.ModelTraining)),
		field.String("endpoint_id").Default("").MaxLen(1024),
		field.String("external_id").Default("").MaxLen(1024),
		field.Time("expires_at").Optional().Nillable().
			Comment("when the expiry job deletes the model: its artifacts and this row; nil keeps it"),
	}
}

// Edges of Model.
func (Model) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("models").Field("owner_id").Unique().Required().Immutable(),
		edge.From("project", Project.Type).Ref("models").Field("project_id").Unique().Required().Immutable(),
		edge.To("batch_predictions", BatchPrediction.Type),
	}
}

// Indexes of Model.
func (Model) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "created_at"),
		index.Fields("project_id"),
		index.Fields("state"),
		index.Fields("expires_at"),
	}
}

// Policy of Model.
func (Model) Policy() ent.Policy { return rule.Model() }
