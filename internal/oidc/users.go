package oidc

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/user"
	"github.com/trainyard/trainyard/internal/store"
)

// ErrIdentityConflict means the email's user is already linked to another identity.
var ErrIdentityConflict = errors.New("this email's account is linked to another sign-in identity")

// viewerOf turns session claims into a viewer.
func viewerOf(c sessionClaims) (store.Viewer, error) {
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return store.Viewer{}, fmt.Errorf("subject %q is not a user id", c.Subject)
	}
	role := store.Role(c.Role)
	if !role.Valid() {
		return store.Viewer{}, fmt.Errorf("unknown role %q", c.Role)
	}
	return store.Viewer{UserID: id, Role: role}, nil
}

// subjectOf is what the users table records of an identity: issuer and subject.
func subjectOf(id Identity) string { return id.Issuer + "|" + id.Subject }

// SignIn returns the viewer of the user an identity belongs to: the user linked to it, else
// the user with its email (which it links), else a new member user. The role is the user's
// default role.
func SignIn(ctx context.Context, st *store.Store, id Identity) (store.Viewer, error) {
	sys := store.SystemContext(ctx)
	c := st.Client()
	u, err := c.User.Query().Where(user.OidcSubject(subjectOf(id))).Only(sys)
	if ent.IsNotFound(err) {
		u, err = st.GetOrCreateUser(sys, id.Email, id.Name, store.RoleMember)
		if err != nil {
			return store.Viewer{}, err
		}
		switch {
		case u.OidcSubject == nil:
			n, uerr := c.User.Update().Where(user.ID(u.ID), user.OidcSubjectIsNil()).SetOidcSubject(subjectOf(id)).Save(sys)
			if uerr != nil {
				return store.Viewer{}, fmt.Errorf("link sign-in identity: %w", uerr)
			}
			if n == 0 { // linked concurrently: check it is this identity
				if u, err = c.User.Get(sys, u.ID); err != nil {
					return store.Viewer{}, err
				}
				if u.OidcSubject == nil || *u.OidcSubject != subjectOf(id) {
					return store.Viewer{}, ErrIdentityConflict
				}
			}
		case *u.OidcSubject != subjectOf(id):
			return store.Viewer{}, ErrIdentityConflict
		}
	} else if err != nil {
		return store.Viewer{}, fmt.Errorf("find user of identity: %w", err)
	}
	return store.Viewer{UserID: u.ID, Role: u.DefaultRole}, nil
}
