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

// Project is one request to learn from a dataset, driven through the pipeline stages by the
// agent workers. Workers take a lease on it while they run a stage.
type Project struct{ ent.Schema }

// Mixin of Project.
func (Project) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of Project.
func (Project) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.UUID("dataset_id", uuid.UUID{}).Immutable(),
		field.String("display_name").Default("").MaxLen(500),
		field.Text("problem_description").NotEmpty(),
		field.Enum("data_type").GoType(types.DataTypeTabular),
		field.Bool("requires_approval").Default(false),
		field.Enum("stage").GoType(types.StageAnalyzing).Default(string(types.StageAnalyzing)),
		field.Time("stage_started_at").Optional().Nillable(),
		field.Float("stage_progress").Default(0).Min(0).Max(1),
		field.Int64("estimated_seconds_remaining").Optional().Nillable(),
		field.Int("iteration").NonNegative().Default(0),
		field.Int64("budget_seconds").NonNegative().Default(0),
		field.JSON("analysis", json.RawMessage{}).Optional(),
		field.JSON("plan", json.RawMessage{}).Optional(),
		// labeling_task is the LabelingTask (proto JSON) the owner is asked to answer.
		field.JSON("labeling_task", json.RawMessage{}).Optional(),
		field.Text("error_message").Default(""),
		field.JSON("suggestions", []string{}).Optional(),
		field.UUID("model_id", uuid.UUID{}).Optional().Nillable(),
		field.String("request_id").Optional().Nillable().MaxLen(128).Immutable(),
		field.String("webhook_url").Optional().MaxLen(2048),
		field.String("lease_owner").Default("").MaxLen(200),
		field.Time("lease_expires_at").Optional().Nillable(),
		field.Int("attempts").NonNegative().Default(0),
		field.Int64("next_sequence").NonNegative().Default(0).
			Comment("last progress-event sequence handed out"),
		field.Int64("next_audit_sequence").NonNegative().Default(0).
			Comment("last audit-entry sequence handed out"),
		field.Time("completed_at").Optional().Nillable(),
	}
}

// Edges of Project.
func (Project) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("projects").Field("owner_id").Unique().Required().Immutable(),
		edge.From("dataset", Dataset.Type).Ref("projects").Field("dataset_id").Unique().Required().Immutable(),
		edge.To("model", Model.Type).Field("model_id").Unique().
			Comment("the project's current (deployed) model"),
		edge.To("models", Model.Type),
		edge.To("audit_entries", AuditEntry.Type),
		edge.To("progress_events", ProgressEvent.Type),
	}
}

// Indexes of Project.
func (Project) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("owner_id", "created_at"),
		index.Fields("owner_id", "stage"),
		index.Fields("stage"),
		index.Fields("owner_id", "request_id").Unique(),
		index.Fields("lease_expires_at"),
	}
}

// Policy of Project.
func (Project) Policy() ent.Policy { return rule.Owned() }
