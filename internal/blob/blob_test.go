package blob

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), "", dir)
	if err != nil {
		t.Fatalf("Open(%q) error: %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func write(t *testing.T, s *Store, key, body string) {
	t.Helper()
	w, err := s.Create(context.Background(), key, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	write(t, s, "datasets/a/file.csv", "x,y\n1,2\n")

	r, err := s.Open(ctx, "datasets/a/file.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "x,y\n1,2\n" {
		t.Errorf("Open read %q, want %q", got, "x,y\n1,2\n")
	}
	if r.Size() != 8 {
		t.Errorf("Reader.Size() = %d, want 8", r.Size())
	}
	// Plain files under data dir/blobs, with no metadata sidecars beside them.
	entries, err := os.ReadDir(filepath.Join(dir, "blobs", "datasets", "a"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "file.csv" {
		t.Errorf("files in bucket dir = %q, want [file.csv]", names)
	}

	rr, err := s.OpenRange(ctx, "datasets/a/file.csv", 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(rr)
	rr.Close()
	if string(got) != "1,2" {
		t.Errorf("OpenRange(4, 3) read %q, want %q", got, "1,2")
	}
	a, err := s.Stat(ctx, "datasets/a/file.csv")
	if err != nil || a.Size != 8 {
		t.Errorf("Stat = %+v, %v; want size 8", a, err)
	}
	if err := s.DeletePrefix(ctx, "datasets/a/"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "datasets/a/file.csv"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat after DeletePrefix error = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "datasets/a/file.csv"); err != nil {
		t.Errorf("Delete of a missing blob = %v, want nil", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	for _, url := range []string{"", "mem://"} {
		s, err := Open(ctx, url, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		w, err := s.Create(ctx, "k/partial", "")
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("half a file"))
		w.Abort()
		if _, err := s.Open(ctx, "k/partial"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: Open after Abort error = %v, want ErrNotFound", url, err)
		}
		s.Close()
	}
}

func TestInvalidKeys(t *testing.T) {
	s, _ := openTemp(t)
	for _, key := range []string{"", "/etc/passwd", "a/../../b", "./x", `a\b`} {
		if _, err := s.Create(context.Background(), key, ""); err == nil {
			t.Errorf("Create(%q) succeeded, want an error", key)
		}
		if _, err := s.Open(context.Background(), key); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", key)
		}
	}
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "b")), "")
	if err != nil {
		t.Fatalf("Open(file://...) error: %v", err)
	}
	write(t, s, "x", "1")
	s.Close()
	if b, err := os.ReadFile(filepath.Join(dir, "b", "x")); err != nil || string(b) != "1" {
		t.Errorf("file written at %s = %q, %v; want \"1\"", filepath.Join(dir, "b", "x"), b, err)
	}
	if _, err := Open(ctx, "", ""); err == nil {
		t.Error("Open with no URL and no data dir succeeded, want an error")
	}
	if _, err := Open(ctx, "nosuch://x", ""); err == nil {
		t.Error("Open(nosuch://x) succeeded, want an error")
	}
}
