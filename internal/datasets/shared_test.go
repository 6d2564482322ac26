package datasets

import (
	shared "github.com/trainyard/trainyard/ml/datasets"
	"os"
	"testing"
)

// sharedPath returns the path of a shared dataset.
func sharedPath(t testing.TB, name string) string { return shared.MustPath(t, name) }

// readShared returns the content of a shared dataset.
func readShared(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(sharedPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
