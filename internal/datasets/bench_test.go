package datasets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkScan measures the streaming check of a delimited file (scanner, field count,
// UTF-8, missing cells) on adult.csv, without the blob store.
func BenchmarkScan(b *testing.B) {
	data, err := os.ReadFile(sharedPath(b, "adult.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ts := newTableStats("adult.csv", 0, detectBytes)
		for p := data; len(p) > 0; {
			n := min(len(p), chunkBytes)
			if _, err := ts.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := ts.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpload measures a whole upload of adult.csv: file blob store, SHA-256, check,
// profile of the head (8 MiB: all of it) and the SQLite row.
func BenchmarkUpload(b *testing.B) {
	data, err := os.ReadFile(sharedPath(b, "adult.csv"))
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, "sqlite://"+filepath.Join(b.TempDir(), "t.db"), Options{})
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := e.svc.Upload(e.a, &Upload{}, files(File{Name: "adult.csv", Body: bytes.NewReader(data)})); err != nil {
			b.Fatal(err)
		}
	}
}
