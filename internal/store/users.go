package store

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/user"
)

// normalizeEmail trims and lower-cases an email address.
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// GetOrCreateUser returns the user with email, creating it with displayName and defaultRole when
// there is none. It needs an admin or system viewer.
func (s *Store) GetOrCreateUser(ctx context.Context, email, displayName string, defaultRole Role) (*ent.User, error) {
	email = normalizeEmail(email)
	if email == "" || !strings.Contains(email, "@") {
		return nil, newErr(ErrInvalidArgument, "email %q is not an address", email)
	}
	if defaultRole == "" {
		defaultRole = RoleMember
	}
	if !defaultRole.Valid() {
		return nil, newErr(ErrInvalidArgument, "unknown role %q", defaultRole)
	}
	u, err := s.client.User.Query().Where(user.Email(email)).Only(ctx)
	if err == nil {
		return u, nil
	}
	if !ent.IsNotFound(err) {
		return nil, mapErr(err, "user")
	}
	u, err = s.client.User.Create().SetEmail(email).SetDisplayName(displayName).SetDefaultRole(defaultRole).Save(ctx)
	if ent.IsConstraintError(err) { // created concurrently
		u, err = s.client.User.Query().Where(user.Email(email)).Only(ctx)
	}
	if err != nil {
		return nil, mapErr(err, "user "+email)
	}
	return u, nil
}

// GetUser returns a user the viewer may see (itself, or anyone for an admin).
func (s *Store) GetUser(ctx context.Context, id uuid.UUID) (*ent.User, error) {
	u, err := s.client.User.Get(ctx, id)
	return u, mapErr(err, "user "+id.String())
}

// GetUserByEmail returns the user with email, if the viewer may see it.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*ent.User, error) {
	u, err := s.client.User.Query().Where(user.Email(normalizeEmail(email))).Only(ctx)
	return u, mapErr(err, "user "+email)
}

// SetUserWebhook sets (or clears, with "") the webhook URL that receives the user's project
// notifications.
func (s *Store) SetUserWebhook(ctx context.Context, id uuid.UUID, webhookURL string) (*ent.User, error) {
	u, err := s.client.User.UpdateOneID(id).SetWebhookURL(webhookURL).Save(ctx)
	return u, mapErr(err, "user "+id.String())
}
