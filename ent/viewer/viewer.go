// Package viewer carries who is asking through a context: the user, the role of the key they
// used, and an optional model scope. The privacy rules of the ent schema read it; a context
// without a viewer is denied everything.
package viewer

import (
	"context"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
)

// Viewer is the identity a request or a worker acts as.
type Viewer struct {
	// UserID is the acting user; uuid.Nil for the system viewer.
	UserID uuid.UUID
	// Role is what the viewer may do.
	Role types.Role
	// ModelScope, when set, limits the viewer to that one model's predictions.
	ModelScope uuid.UUID
	// System marks the internal identity of workers and maintenance jobs: it sees and
	// changes everything.
	System bool
}

// Admin reports whether v sees every user's rows.
func (v Viewer) Admin() bool {
	return v.System || (v.Role == types.RoleAdmin && v.ModelScope == uuid.Nil)
}

// ReadOnly reports whether v may not change anything: the VIEWER role, and (failing closed)
// any role that is not ADMIN or MEMBER.
func (v Viewer) ReadOnly() bool {
	return !v.System && v.Role != types.RoleAdmin && v.Role != types.RoleMember
}

// Scoped reports whether v is limited to one model.
func (v Viewer) Scoped() bool { return !v.System && v.ModelScope != uuid.Nil }

type ctxKey struct{}

// NewContext returns a copy of ctx that carries v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer in ctx and whether there is one.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(ctxKey{}).(Viewer)
	return v, ok
}

// System returns the viewer of workers and maintenance jobs.
func System() Viewer { return Viewer{System: true, Role: types.RoleAdmin} }
