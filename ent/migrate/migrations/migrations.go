// Package migrations holds the versioned SQL migrations of the metadata store, one folder per
// dialect (sqlite, postgres), each with an atlas.sum integrity file. Files are applied in name
// order and never edited once committed; a schema change adds a new file (see README.md).
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed sqlite postgres
var files embed.FS

// Dir returns the migration folder of dialect ("sqlite3" or "postgres").
func Dir(dialect string) (fs.FS, error) {
	name, ok := map[string]string{"sqlite3": "sqlite", "sqlite": "sqlite", "postgres": "postgres"}[dialect]
	if !ok {
		return nil, fmt.Errorf("no migrations for dialect %q", dialect)
	}
	return fs.Sub(files, name)
}
