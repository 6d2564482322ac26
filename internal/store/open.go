package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const (
	dialectSQLite   = dialect.SQLite // "sqlite3"
	dialectPostgres = dialect.Postgres
)

// sqliteParams are the connection settings of every SQLite connection: WAL so readers never
// block the writer, a 10 s busy timeout so a second process (the CLI next to a server) waits
// instead of failing, foreign keys on, BEGIN IMMEDIATE so a transaction takes the write lock up
// front (no upgrade deadlocks), and times stored in a sortable text form.
var sqliteParams = []string{
	"_pragma=busy_timeout(10000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(NORMAL)",
	"_pragma=foreign_keys(1)",
	"_txlock=immediate",
	"_time_format=sqlite",
}

// openDB opens the database named by raw and returns it with its ent dialect name.
func openDB(ctx context.Context, raw string, opts Options) (*sql.DB, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		db, err := openPostgres(ctx, raw, opts)
		return db, dialectPostgres, err
	case strings.HasPrefix(raw, "sqlite:"), strings.HasPrefix(raw, "file:"):
		path, query, err := sqlitePath(raw)
		if err != nil {
			return nil, "", err
		}
		db, err := openSQLite(ctx, path, query, opts)
		return db, dialectSQLite, err
	default:
		return nil, "", fmt.Errorf("database url %q: want sqlite://, file: or postgres://", redact(raw))
	}
}

// sqlitePath extracts the file path and extra query of a sqlite:// or file: URL.
func sqlitePath(raw string) (path string, query url.Values, err error) {
	rest, q, _ := strings.Cut(raw, "?")
	query, err = url.ParseQuery(q)
	if err != nil {
		return "", nil, fmt.Errorf("database url %q: %w", raw, err)
	}
	switch {
	case strings.HasPrefix(rest, "sqlite://"):
		path = strings.TrimPrefix(rest, "sqlite://")
	case strings.HasPrefix(rest, "sqlite:"):
		path = strings.TrimPrefix(rest, "sqlite:")
	case strings.HasPrefix(rest, "file://"):
		path = strings.TrimPrefix(rest, "file://")
	default:
		path = strings.TrimPrefix(rest, "file:")
	}
	if path, err = url.PathUnescape(path); err != nil {
		return "", nil, fmt.Errorf("database url %q: %w", raw, err)
	}
	if path == "" {
		return "", nil, fmt.Errorf("database url %q: no file path", raw)
	}
	return path, query, nil
}

// openSQLite opens (creating if needed) the SQLite file at path.
func openSQLite(ctx context.Context, path string, extra url.Values, opts Options) (*sql.DB, error) {
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	params := append([]string(nil), sqliteParams...)
	for k, vs := range extra {
		for _, v := range vs {
			params = append(params, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(params, "&")
	conn, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 8
	}
	if path == ":memory:" || extra.Get("mode") == "memory" {
		n = 1 // every connection would get its own empty in-memory database
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// pingSQLite opens the first connection, retrying while the file is busy. Switching a new
// database to WAL takes an exclusive lock, and SQLite answers a second opener that already holds
// a shared lock with SQLITE_BUSY at once instead of calling the busy handler (it would deadlock),
// so two processes creating one database together need the retry that busy_timeout cannot give.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// openPostgres opens a pgx-backed pool.
func openPostgres(ctx context.Context, raw string, opts Options) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("database url %q: %w", redact(raw), err)
	}
	db := stdlib.OpenDB(*cfg)
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n / 2)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(raw), err)
	}
	return db, nil
}

// redact hides the password of a URL so it can be logged or returned.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}
