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

// AuditEntry is one decision an agent made for a project: what it chose among which
// alternatives, on what evidence, why, and how sure it was.
type AuditEntry struct{ ent.Schema }

// Mixin of AuditEntry.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of AuditEntry.
func (AuditEntry) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("project_id", uuid.UUID{}).Immutable(),
		field.Int64("sequence").Positive().Immutable(),
		field.Enum("stage").GoType(types.StageAnalyzing).Immutable(),
		field.String("decision_type").NotEmpty().MaxLen(100).Immutable(),
		field.Text("decision").Immutable(),
		field.JSON("alternatives", json.RawMessage{}).Optional().Immutable(),
		field.JSON("evidence", json.RawMessage{}).Optional().Immutable(),
		field.Text("reasoning").Default("").Immutable(),
		field.Float("confidence").Min(0).Max(1).Default(0).Immutable(),
		field.String("reasoner").Default("").MaxLen(200).Immutable(),
	}
}

// Edges of AuditEntry.
func (AuditEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", Project.Type).Ref("audit_entries").Field("project_id").Unique().Required().Immutable(),
	}
}

// Indexes of AuditEntry.
func (AuditEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "sequence").Unique()}
}

// Policy of AuditEntry.
func (AuditEntry) Policy() ent.Policy { return rule.ProjectChild() }
