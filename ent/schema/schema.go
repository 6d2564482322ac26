// Package schema is the hand-written ent schema of Trainyard's metadata store. The generated
// code lives in the parent package; regenerate it with `go generate ./ent` after any change here
// and add a versioned migration (see ent/migrate/migrations).
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
	"github.com/google/uuid"
)

// newID returns a time-ordered UUID (version 7), so primary keys sort roughly by creation.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// now returns the current time in UTC at microsecond precision, the precision both SQLite and
// Postgres keep, so a value read back equals the value written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// base gives every entity a UUID primary key and creation and update times.
type base struct{ mixin.Schema }

// Fields of the base mixin.
func (base) Fields() []ent.Field {
	return []ent.Field{
		field.UUID("id", uuid.UUID{}).Default(newID).Immutable(),
		field.Time("created_at").Default(now).Immutable(),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}
