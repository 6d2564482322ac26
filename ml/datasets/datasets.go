// Package datasets locates the public datasets that tests and benchmarks use.
//
// The datasets live outside the repository, in ../shared/datasets relative to
// the module root (the folder that holds go.mod). TRAINYARD_DATASETS overrides
// that location.
package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Dir returns the folder that holds the shared datasets.
func Dir() (string, error) {
	if dir := os.Getenv("TRAINYARD_DATASETS"); dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			data := filepath.Join(filepath.Dir(dir), "shared", "datasets")
			if _, err := os.Stat(data); err != nil {
				return "", fmt.Errorf("datasets folder %s: %w (set TRAINYARD_DATASETS)", data, err)
			}
			return data, nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above the working directory (set TRAINYARD_DATASETS)")
		}
	}
}

// Path returns the path of one dataset file, such as "iris.csv".
func Path(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// TB is the part of testing.TB that MustPath needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// MustPath is Path for tests: it fails the test when the dataset is missing.
func MustPath(t TB, name string) string {
	t.Helper()
	p, err := Path(name)
	if err != nil {
		t.Fatalf("dataset %s: %v", name, err)
	}
	return p
}
