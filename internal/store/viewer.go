package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/ent/viewer"
)

// Viewer is who a call acts as: the user, the role of the key they used and an optional model
// scope.
type Viewer = viewer.Viewer

// Role is what a key may do.
type Role = types.Role

// The roles.
const (
	RoleAdmin  = types.RoleAdmin
	RoleMember = types.RoleMember
	RoleViewer = types.RoleViewer
)

// WithViewer returns a context whose store calls act as v.
func WithViewer(ctx context.Context, v Viewer) context.Context { return viewer.NewContext(ctx, v) }

// ViewerFrom returns the viewer of ctx, if any.
func ViewerFrom(ctx context.Context) (Viewer, bool) { return viewer.FromContext(ctx) }

// SystemContext returns a context that acts as the system (workers, maintenance, the offline
// admin CLI): it sees and changes everything.
func SystemContext(ctx context.Context) context.Context {
	return viewer.NewContext(ctx, viewer.System())
}

// system is SystemContext, for the store's own bookkeeping writes made after the viewer was
// checked (the outbox row and progress event of a project the viewer just created).
func system(ctx context.Context) context.Context { return SystemContext(ctx) }

// viewerID returns the acting user, or uuid.Nil when there is none or it is the system.
func viewerID(ctx context.Context) uuid.UUID {
	v, _ := viewer.FromContext(ctx)
	return v.UserID
}
