package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestSQLitePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sqlite:///var/lib/trainyard/db.sqlite", "/var/lib/trainyard/db.sqlite"},
		{"sqlite://data/trainyard.db", "data/trainyard.db"},
		{"sqlite://./rel.db?cache=shared", "./rel.db"},
		{"sqlite:plain.db", "plain.db"},
		{"file:/abs/x.db", "/abs/x.db"},
		{"file:rel/x.db?mode=rwc", "rel/x.db"},
		{"file:///abs/y.db", "/abs/y.db"},
		{"sqlite:///with%20space/db.sqlite", "/with space/db.sqlite"},
	}
	for _, tt := range tests {
		got, _, err := sqlitePath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("sqlitePath(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"sqlite://", "file:"} {
		if _, _, err := sqlitePath(bad); err == nil {
			t.Errorf("sqlitePath(%q) = nil error, want one", bad)
		}
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := Open(context.Background(), "mysql://localhost/x", Options{}); err == nil {
		t.Fatal(`Open("mysql://...") = nil error, want one`)
	}
}

func TestOpenCreatesFolderAndReopens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "dir")
	url := "file:" + filepath.Join(dir, "trainyard.db")
	s := openTest(t, url)
	if _, err := os.Stat(filepath.Join(dir, "trainyard.db")); err != nil {
		t.Fatalf("database file after Open: %v", err)
	}
	s.Close()
	// A second open finds everything applied and changes nothing.
	s2, err := Open(context.Background(), url, Options{NoMigrate: true})
	if err != nil {
		t.Fatalf("Open(NoMigrate) on a migrated database = %v", err)
	}
	s2.Close()
}

func TestNoMigrateRefusesEmptyDatabase(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "empty.db")
	if s, err := Open(context.Background(), url, Options{NoMigrate: true}); err == nil {
		s.Close()
		t.Fatal("Open(NoMigrate) on an empty database = nil error, want one")
	}
}

func TestOpenInMemory(t *testing.T) {
	s := openTest(t, "sqlite://:memory:")
	f := newFixture(t, s)
	p := f.project(t, f.ctxA, f.dsA.ID, "in memory")
	if _, err := s.GetProject(f.ctxA, p.ID); err != nil {
		t.Errorf("GetProject(in-memory store) = %v", err)
	}
}
