package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedPath returns the path of a shared dataset: TRAINYARD_DATASETS, or ../shared/datasets
// next to the module root. (ml/internal/datasets does the same for ml/, which only ml/ may
// import.)
func sharedPath(t testing.TB, name string) string {
	t.Helper()
	dir := os.Getenv("TRAINYARD_DATASETS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "datasets")
				break
			}
			if filepath.Dir(d) == d {
				t.Fatalf("no go.mod above %s (set TRAINYARD_DATASETS)", wd)
			}
		}
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("dataset %s: %v", name, err)
	}
	return p
}

// readShared returns the content of a shared dataset.
func readShared(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(sharedPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
