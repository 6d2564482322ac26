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

// ProgressEvent is one persisted event of a project's progress stream. Sequences start at 1 and
// have no gaps within a project, so a watcher resumes after the last one it saw.
type ProgressEvent struct{ ent.Schema }

// Mixin of ProgressEvent.
func (ProgressEvent) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of ProgressEvent.
func (ProgressEvent) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuid.UUID{}).Immutable(),
		field.Int64("sequence").Positive().Immutable(),
		field.Enum("stage").GoType(types.StageAnalyzing).Immutable(),
		field.Enum("kind").GoType(types.EventProgress).Immutable(),
		field.Float("stage_progress").Default(0).Min(0).Max(1).Immutable(),
		field.Int64("estimated_seconds_remaining").Optional().Nillable().Immutable(),
		field.Text("message").Default("").Immutable(),
		field.JSON("payload", json.RawMessage{}).Optional().Immutable(),
	}
}

// Edges of ProgressEvent.
func (ProgressEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("progress_events").Field("project_id").Unique().Required().Immutable(),
	}
}

// Indexes of ProgressEvent.
func (ProgressEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "sequence").Unique()}
}

// Policy of ProgressEvent.
func (ProgressEvent) Policy() ent.Policy { return rule.ProjectChild() }
