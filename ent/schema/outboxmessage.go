package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/trainyard/trainyard/ent/rule"
)

// OutboxMessage is a queue message written in the same transaction as the change that causes
// it (the transactional outbox); a relay publishes it and marks it published.
type OutboxMessage struct{ ent.Schema }

// Mixin of OutboxMessage.
func (OutboxMessage) Mixin() []ent.Mixin { return []ent.Mixin{base{}} }

// Fields of OutboxMessage.
func (OutboxMessage) Fields() []ent.Field {
	return []ent.Field{
		field.String("topic").NotEmpty().MaxLen(200).Immutable(),
		field.String("ordering_key").Default("").MaxLen(200).Immutable(),
		field.Bytes("payload").Immutable(),
		field.Time("published_at").Optional().Nillable(),
		field.Int("attempts").NonNegative().Default(0),
		field.Text("last_error").Default(""),
	}
}

// Indexes of OutboxMessage.
func (OutboxMessage) Indexes() []ent.Index {
	return []ent.Index{index.Fields("published_at", "created_at")}
}

// Policy of OutboxMessage.
func (OutboxMessage) Policy() ent.Policy { return rule.SystemOnly() }
