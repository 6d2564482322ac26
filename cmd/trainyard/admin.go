package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/store"
)

// runAdmin implements `trainyard admin <verb>`.
func runAdmin(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create-key" {
		return usageError{errors.New("usage: trainyard admin create-key --email E [--role admin|member|viewer] [--model ID] [--name N]")}
	}
	return runCreateKey(ctx, e, args[1:])
}

// runCreateKey implements `trainyard admin create-key`: it works offline against the store
// flags (creating and migrating an empty store, and the user when new), also while a server has
// the same SQLite file open, and prints the new key alone on stdout.
func runCreateKey(ctx context.Context, e env, args []string) error {
	cfg := config.Default()
	fs := flag.NewFlagSet("trainyard admin create-key", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg.RegisterStore(fs)
	cfg.RegisterLog(fs)
	email := fs.String("email", "", "the user's email; the user is created when new (required)")
	role := fs.String("role", "member", "admin, member or viewer")
	model := fs.String("model", "", "limit the key to this model's predictions")
	name := fs.String("name", "", "a label for the key")
	if err := cfg.Parse(fs, args, e.lookup); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if *email == "" {
		return usageError{errors.New("--email is required")}
	}
	r := store.Role(strings.ToUpper(*role))
	if !r.Valid() {
		return usageError{fmt.Errorf("--role %q: want admin, member or viewer", *role)}
	}
	in := store.NewAPIKey{DisplayName: *name, Role: r}
	if *model != "" {
		id, err := uuid.Parse(strings.TrimPrefix(*model, "models/"))
		if err != nil {
			return usageError{fmt.Errorf("--model %q: want a model id", *model)}
		}
		in.ModelID = &id
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Logger: cfg.Log.NewLogger(e.stderr)})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	sys := store.SystemContext(ctx)
	defaultRole := store.RoleMember
	if r == store.RoleAdmin {
		defaultRole = store.RoleAdmin
	}
	u, err := st.GetOrCreateUser(sys, *email, "", defaultRole)
	if err != nil {
		return err
	}
	if in.ModelID != nil {
		m, err := st.Client().Model.Get(sys, *in.ModelID)
		if err != nil {
			return fmt.Errorf("model %s: not found", in.ModelID)
		}
		if m.OwnerID != u.ID {
			return fmt.Errorf("model %s belongs to another user", in.ModelID)
		}
	}
	in.OwnerID = u.ID
	secret, key, err := st.CreateAPIKey(sys, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "created %s key %s for %s\n", strings.ToLower(string(key.Role)), key.ID, u.Email)
	fmt.Fprintln(e.stdout, secret)
	return nil
}
