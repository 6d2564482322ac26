package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/pgtest"
)

// backend names a database kind and makes a fresh database URL of that kind.
type backend struct {
	name string
	url  func(t testing.TB) string
}

// backends are the databases every store test runs against.
func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "trainyard.db") }},
		{"postgres", func(t testing.TB) string { return pgtest.New(t) }},
	}
}

// forEachBackend runs fn against a fresh, migrated store of each backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			s := openTest(t, b.url(t))
			fn(t, s)
		})
	}
}

// openTest opens a store and closes it at cleanup.
func openTest(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatalf("Open(%q) = %v", url, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// fixture is a populated store: two members, an admin and a read-only viewer, each with a
// context, and a dataset owned by member A.
type fixture struct {
	s                 *Store
	sys               context.Context
	a, b, admin, view *ent.User
	ctxA, ctxB        context.Context
	ctxAdmin, ctxView context.Context
	dsA               *ent.Dataset
}

// newFixture populates s.
func newFixture(t testing.TB, s *Store) *fixture {
	t.Helper()
	f := &fixture{s: s, sys: SystemContext(context.Background())}
	mk := func(email string, role Role) (*ent.User, context.Context) {
		u, err := s.GetOrCreateUser(f.sys, email, email, role)
		if err != nil {
			t.Fatalf("GetOrCreateUser(%q) = %v", email, err)
		}
		return u, WithViewer(context.Background(), Viewer{UserID: u.ID, Role: role})
	}
	f.a, f.ctxA = mk("a@example.com", RoleMember)
	f.b, f.ctxB = mk("b@example.com", RoleMember)
	f.admin, f.ctxAdmin = mk("admin@example.com", RoleAdmin)
	f.view, _ = mk("viewer@example.com", RoleViewer)
	// The read-only viewer looks at A's data with a VIEWER key of A.
	f.ctxView = WithViewer(context.Background(), Viewer{UserID: f.a.ID, Role: RoleViewer})
	f.dsA = f.dataset(t, f.ctxA, "churn.csv")
	return f
}

// dataset creates a dataset as the viewer of ctx.
func (f *fixture) dataset(t testing.TB, ctx context.Context, name string) *ent.Dataset {
	t.Helper()
	d, err := f.s.CreateDataset(ctx, NewDataset{
		DisplayName: name, DataType: DataTypeTabular, SizeBytes: 1234, NumRows: 100, NumColumns: 5, Labeled: true,
		Files: []DatasetFile{{Name: name, BlobKey: "datasets/" + name, SizeBytes: 1234, SHA256: "ab", ContentType: "text/csv"}},
	})
	if err != nil {
		t.Fatalf("CreateDataset(%q) = %v", name, err)
	}
	return d
}

// project creates a project on ds as the viewer of ctx.
func (f *fixture) project(t testing.TB, ctx context.Context, ds uuid.UUID, desc string) *ent.Project {
	t.Helper()
	p, err := f.s.CreateProject(ctx, NewProject{DatasetID: ds, ProblemDescription: desc})
	if err != nil {
		t.Fatalf("CreateProject(%q) = %v", desc, err)
	}
	return p
}

// wantErr fails unless err is of class want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s = %v, want %v", what, err, want)
	}
	var se *Error
	if !errors.As(err, &se) || se.Msg == "" {
		t.Errorf("%s = %#v, want a *store.Error with a message", what, err)
	}
}
