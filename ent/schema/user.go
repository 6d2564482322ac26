package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/trainyard/trainyard/ent/rule"
	"github.com/trainyard/trainyard/ent/types"
)

// User is a person (or service account) who owns datasets, projects, models and keys.
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").NotEmpty().MaxLen(320).Unique(),
		field.String("display_name").Default("").MaxLen(200),
		field.Enum("default_role").GoType(types.RoleMember).Default(string(types.RoleMember)),
		field.String("webhook_url").Optional().MaxLen(2048),
		field.String("oidc_subject").Optional().Nillable().Unique().MaxLen(512).
			Comment("issuer and subject of the user's OpenID Connect identity (Google sign-in)"),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("api_keys", ApiKey.Type),
		edge.To("datasets", Dataset.Type),
		edge.To("projects", Project.Type),
		edge.To("models", Model.Type),
		edge.To("batch_predictions", BatchPrediction.Type),
	}
}

// Policy of User.
func (User) Policy() ent.Policy { return rule.User() }
