package main

import (
	"context"
	"fmt"

	"github.com/trainyard/trainyard/internal/client"
	"github.com/trainyard/trainyard/internal/store"
)

// bootstrapAdmin makes the first start usable: when the store has no user yet it creates an
// admin with an admin key, prints the key once straight to the terminal (never through the
// logger), and saves it with the server's URL in the credentials file unless that file exists.
func bootstrapAdmin(ctx context.Context, e env, st *store.Store, publicURL, email string) error {
	sys := store.SystemContext(ctx)
	exists, err := st.Client().User.Query().Exist(sys)
	if err != nil {
		return fmt.Errorf("check for users: %w", err)
	}
	if exists {
		return nil
	}
	u, err := st.GetOrCreateUser(sys, email, "Admin", store.RoleAdmin)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	secret, _, err := st.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, DisplayName: "first start", Role: store.RoleAdmin})
	if err != nil {
		return fmt.Errorf("create the first admin key: %w", err)
	}
	path, err := client.CredentialsPath(e.lookup)
	saved := false
	if err == nil {
		saved, err = saveCredentials(path, client.Settings{URL: publicURL, APIKey: secret})
	}
	fmt.Fprintf(e.stderr, "\n  First start: created the admin user %s with this API key (shown only now):\n\n    %s\n\n", email, secret)
	switch {
	case err != nil:
		fmt.Fprintf(e.stderr, "  Could not save it (%v); keep it somewhere safe.\n\n", err)
	case saved:
		fmt.Fprintf(e.stderr, "  Saved to %s (mode 0600) for the CLI and the SDKs.\n\n", path)
	default:
		fmt.Fprintf(e.stderr, "  %s already exists and was left alone; keep this key somewhere safe.\n\n", path)
	}
	return nil
}
