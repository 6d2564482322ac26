package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"

	"github.com/trainyard/trainyard/ent/migrate/migrations"
)

// migrationLockID is the Postgres advisory lock key that serializes migrations.
const migrationLockID = 7_301_944_221

// migrationFile is one versioned migration.
type migrationFile struct {
	version string // the file name's leading digits
	name    string // the file name
	sum     string // hex SHA-256 of the content
	stmts   []string
}

// loadMigrations reads the migrations of dialect in apply order; upTo, when non-empty, stops
// after the file with that version (tests use it to build an old schema).
func loadMigrations(dialect, upTo string) ([]migrationFile, error) {
	dir, err := migrations.Dir(dialect)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(dir, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migrationFile
	for _, name := range names {
		data, err := fs.ReadFile(dir, name)
		if err != nil {
			return nil, err
		}
		lf := atlasmigrate.NewLocalFile(name, data)
		stmts, err := lf.Stmts()
		if err != nil {
			return nil, fmt.Errorf("parse migration %s: %w", name, err)
		}
		sum := sha256.Sum256(data)
		out = append(out, migrationFile{version: lf.Version(), name: name, sum: hex.EncodeToString(sum[:]), stmts: stmts})
		if upTo != "" && lf.Version() == upTo {
			break
		}
	}
	return out, nil
}

// migrate applies the pending migrations of dialect to db.
func migrate(ctx context.Context, db *sql.DB, dialect string, log *slog.Logger) error {
	return migrateTo(ctx, db, dialect, "", log)
}

// migrateTo applies pending migrations up to and including version upTo (all when empty).
func migrateTo(ctx context.Context, db *sql.DB, dialect, upTo string, log *slog.Logger) error {
	files, err := loadMigrations(dialect, upTo)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	m := &migrator{conn: conn, dialect: dialect, log: log}
	if dialect == dialectSQLite {
		// Table rebuilds need foreign keys off; the pragma only works outside a transaction.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on")
	}
	if err := m.ensureTable(ctx); err != nil {
		return err
	}
	known := make(map[string]bool, len(files))
	for _, f := range files {
		known[f.version] = true
		if err := m.apply(ctx, f); err != nil {
			return err
		}
	}
	if upTo != "" {
		return nil
	}
	applied, err := m.applied(ctx)
	if err != nil {
		return err
	}
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("database has migration %s that this build does not know: it was written by a newer trainyard", v)
		}
	}
	return nil
}

// checkMigrated fails unless every migration of this build is applied.
func checkMigrated(ctx context.Context, db *sql.DB, dialect string) error {
	files, err := loadMigrations(dialect, "")
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	applied, err := (&migrator{conn: conn, dialect: dialect}).applied(ctx)
	if err != nil {
		return fmt.Errorf("database is not migrated: %w", err)
	}
	for _, f := range files {
		if sum, ok := applied[f.version]; !ok {
			return fmt.Errorf("database lacks migration %s", f.name)
		} else if sum != f.sum {
			return fmt.Errorf("migration %s differs from the one applied", f.name)
		}
	}
	return nil
}

// migrator applies migrations over one pinned connection.
type migrator struct {
	conn    *sql.Conn
	dialect string
	log     *slog.Logger
}

// ph returns the n-th (1-based) placeholder of the dialect.
func (m *migrator) ph(n int) string {
	if m.dialect == dialectPostgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// begin opens a transaction that holds the migration lock.
func (m *migrator) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := m.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate: begin: %w", err)
	}
	if m.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockID)); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	return tx, nil
}

// ensureTable creates the bookkeeping table.
func (m *migrator) ensureTable(ctx context.Context) error {
	tx, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version varchar(64) NOT NULL PRIMARY KEY,
		name varchar(255) NOT NULL,
		checksum varchar(64) NOT NULL,
		applied_at varchar(64) NOT NULL)`
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	return tx.Commit()
}

// applied returns version → checksum of the recorded migrations.
func (m *migrator) applied(ctx context.Context) (map[string]string, error) {
	rows, err := m.conn.QueryContext(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var v, sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, err
		}
		out[v] = sum
	}
	return out, rows.Err()
}

// apply runs f in its own transaction unless it is already recorded.
func (m *migrator) apply(ctx context.Context, f migrationFile) error {
	tx, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var sum string
	err = tx.QueryRowContext(ctx, "SELECT checksum FROM schema_migrations WHERE version = "+m.ph(1), f.version).Scan(&sum)
	switch {
	case err == nil:
		if sum != f.sum {
			return fmt.Errorf("migration %s was changed after it was applied (checksum %s, file %s)", f.name, sum[:12], f.sum[:12])
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("migrate %s: %w", f.name, err)
	}
	start := time.Now()
	for i, stmt := range f.stmts {
		if m.dialect == dialectSQLite && isFKPragma(stmt) {
			continue // handled around the transaction
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate %s, statement %d: %w", f.name, i+1, err)
		}
	}
	if m.dialect == dialectSQLite {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("migrate %s: %w", f.name, err)
		}
	}
	ins := fmt.Sprintf("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (%s, %s, %s, %s)",
		m.ph(1), m.ph(2), m.ph(3), m.ph(4))
	if _, err := tx.ExecContext(ctx, ins, f.version, f.name, f.sum, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("migrate %s: record: %w", f.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: commit: %w", f.name, err)
	}
	if m.log != nil {
		m.log.Info("applied migration", "file", f.name, "dialect", m.dialect, "took", time.Since(start))
	}
	return nil
}

// isFKPragma reports whether stmt toggles SQLite's foreign key enforcement.
func isFKPragma(stmt string) bool {
	var code []string
	for _, line := range strings.Split(stmt, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "--") {
			code = append(code, line)
		}
	}
	s := strings.ToLower(strings.Join(strings.Fields(strings.Join(code, " ")), " "))
	return strings.HasPrefix(s, "pragma foreign_keys")
}

// foreignKeyCheck fails if the migration left rows that violate a foreign key.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("foreign key violations after migration")
	}
	return rows.Err()
}
