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

// Dataset is uploaded data: one or more files in the blob store plus what was learned about
// them while they streamed in.
type Dataset struct{ ent.Schema }

// Mixin of Dataset.
func (Dataset) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of Dataset.
func (Dataset) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.String("display_name").Default("").MaxLen(500),
		field.Enum("data_type").GoType(types.DataTypeTabular),
		field.JSON("files", []types.DatasetFile{}).Optional(),
		field.Int64("size_bytes").NonNegative().Default(0),
		field.Int64("num_rows").NonNegative().Default(0),
		field.Int("num_columns").NonNegative().Default(0),
		field.Bool("labeled").Default(false),
		field.JSON("profile", json.RawMessage{}).Optional(),
		field.String("request_id").Optional().Nillable().MaxLen(128).Immutable(),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("deleted_at").Optional().Nillable().
			Comment("set when the owner deleted a dataset that projects still reference: its files are gone and it is hidden, the row stays for their records"),
	}
}

// Edges of Dataset.
func (Dataset) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("datasets").Field("owner_id").Unique().Required().Immutable(),
		edge.To("projects", Project.Type),
	}
}

// Indexes of Dataset.
func (Dataset) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "created_at"),
		index.Fields("owner_id", "request_id").Unique(),
		index.Fields("expires_at"),
	}
}

// Policy of Dataset.
func (Dataset) Policy() ent.Policy { return rule.Owned() }
