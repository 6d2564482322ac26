package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/rule"
	"github.com/trainyard/trainyard/ent/types"
)

// BatchPrediction is a job that runs a model over an uploaded file and writes the predictions
// to the blob store.
type BatchPrediction struct{ ent.Schema }

// Mixin of BatchPrediction.
func (BatchPrediction) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of BatchPrediction.
func (BatchPrediction) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.UUID("model_id", uuid.UUID{}).Immutable(),
		field.Enum("state").GoType(types.BatchPending).Default(string(types.BatchPending)),
		field.String("input_key").NotEmpty().MaxLen(1024).Immutable(),
		field.String("output_key").Default("").MaxLen(1024),
		field.Int64("rows_processed").NonNegative().Default(0),
		field.Int64("rows_total").NonNegative().Default(0),
		field.Text("error").Default(""),
		field.String("request_id").Optional().Nillable().MaxLen(128).Immutable(),
	}
}

// Edges of BatchPrediction.
func (BatchPrediction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("batch_predictions").Field("owner_id").Unique().Required().Immutable(),
		edge.From("model", Model.Type).Ref("batch_predictions").Field("model_id").Unique().Required().Immutable(),
	}
}

// Indexes of BatchPrediction.
func (BatchPrediction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "created_at"),
		index.Fields("owner_id", "request_id").Unique(),
		index.Fields("state"),
	}
}

// Policy of BatchPrediction.
func (BatchPrediction) Policy() ent.Policy { return rule.BatchPrediction() }
