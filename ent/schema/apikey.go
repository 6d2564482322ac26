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

// ApiKey is a bearer secret that acts as its owner with the key's role. Only the SHA-256 of the
// secret is stored; the prefix identifies the key in lists.
type ApiKey struct{ ent.Schema }

// Mixin of ApiKey.
func (ApiKey) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of ApiKey.
func (ApiKey) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("owner_id", uuid.UUID{}).Immutable(),
		field.String("display_name").Default("").MaxLen(200),
		field.String("key_prefix").NotEmpty().MaxLen(16).Immutable(),
		field.String("secret_hash").NotEmpty().Unique().Immutable().Sensitive(),
		field.Enum("role").GoType(types.RoleMember),
		field.UUID("model_id", uuid.UUID{}).Optional().Nillable().Immutable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of ApiKey.
func (ApiKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).Ref("api_keys").Field("owner_id").Unique().Required().Immutable(),
	}
}

// Indexes of ApiKey.
func (ApiKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("owner_id", "created_at")}
}

// Policy of ApiKey.
func (ApiKey) Policy() ent.Policy { return rule.ApiKey() }
