// Package store is Trainyard's metadata store: users, API keys, datasets, projects, models,
// decisions, progress events, batch predictions and the transactional outbox, on ent over
// SQLite (embedded default) or PostgreSQL.
//
// Every call acts as the viewer in its context (WithViewer): members and viewers reach only
// their own rows (another user's row is ErrNotFound), viewers cannot change anything, admins
// reach everything, and workers use SystemContext. A context without a viewer is denied.
// Errors are typed (ErrNotFound, ErrConflict, ErrPermissionDenied, ...) and carry a message
// that is safe to show to the caller.
//
// A pipeline worker commits a stage in one transaction, fenced by its lease:
//
//	ok, err := s.ClaimProject(sys, id, worker, ttl) // skip the trigger when !ok
//	... run the stage, calling s.RenewLease and s.AppendProgress meanwhile ...
//	err = s.InTx(sys, func(tx *store.Tx) error {
//		if err := tx.RenewLease(sys, id, worker, ttl); err != nil {
//			return err // ErrLeaseLost: another worker took over; drop the work
//		}
//		tx.AppendAudit(sys, id, decision)            // also a DECISION progress event
//		tx.UpdateProject(sys, id, outputs)
//		_, err := tx.Transition(sys, id, []store.Stage{cur}, next, msg, nil) // + next trigger
//		return err // ErrFailedPrecondition: cancelled meanwhile
//	})
//	s.ReleaseLease(sys, id, worker)
//
// The outbox relay publishes PendingOutbox messages and calls MarkPublished. Watchers call
// Subscribe before ListProgress and re-read after each wake-up.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	_ "github.com/trainyard/trainyard/ent/runtime" // privacy policies and defaults of the schema
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Logger receives operational messages (migrations, listener reconnects). Default: discard.
	Logger *slog.Logger
	// NoMigrate skips applying pending migrations on open; Open then fails if the database is
	// behind the code.
	NoMigrate bool
	// MaxOpenConns bounds the connection pool (default 8 for SQLite, 20 for Postgres).
	MaxOpenConns int
	// PollInterval is how often subscribers are woken even without a notification, the safety
	// net for changes made by other processes (default 2s; LISTEN/NOTIFY on Postgres and the
	// in-process broadcaster make most wake-ups immediate).
	PollInterval time.Duration
	// TriggerTopic is the outbox topic of project triggers (default "projects").
	TriggerTopic string
	// BatchTopic is the outbox topic of batch prediction triggers (default "batch-predictions").
	BatchTopic string
	// AuthCacheTTL is how long Authenticate answers a key from memory (default
	// DefaultAuthCacheTTL; negative: read the database on every call). It bounds how long a key
	// revoked by another process keeps working here; unknown, revoked and expired keys are
	// remembered for at most a second.
	AuthCacheTTL time.Duration
}

// Store is the metadata store. It is safe for concurrent use; Close releases it.
type Store struct {
	client  *ent.Client
	db      *sql.DB
	dialect string
	opts    Options
	log     *slog.Logger
	hub     *hub
	keys    *keyCache

	closeOnce sync.Once
	stop      context.CancelFunc
	done      sync.WaitGroup
}

// Open connects to the database named by databaseURL and brings its schema up to date.
// Accepted forms: sqlite:///abs/path.db, sqlite://relative/path.db, file:path.db (SQLite,
// created with its folder if missing), postgres:// and postgresql:// (PostgreSQL via pgx).
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.TriggerTopic == "" {
		opts.TriggerTopic = "projects"
	}
	if opts.BatchTopic == "" {
		opts.BatchTopic = "batch-predictions"
	}
	if opts.AuthCacheTTL == 0 {
		opts.AuthCacheTTL = DefaultAuthCacheTTL
	}
	db, dialectName, err := openDB(ctx, databaseURL, opts)
	if err != nil {
		return nil, err
	}
	if opts.NoMigrate {
		if err := checkMigrated(ctx, db, dialectName); err != nil {
			db.Close()
			return nil, err
		}
	} else if err := migrate(ctx, db, dialectName, opts.Logger); err != nil {
		db.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	s := &Store{
		client:  ent.NewClient(ent.Driver(entsql.OpenDB(dialectName, db))),
		db:      db,
		dialect: dialectName,
		opts:    opts,
		log:     opts.Logger,
		stop:    stop,
		keys:    newKeyCache(opts.AuthCacheTTL),
	}
	s.hub = newHub(s, opts.PollInterval)
	s.done.Add(1)
	go func() { defer s.done.Done(); s.hub.run(runCtx) }()
	if dialectName == dialectPostgres {
		s.done.Add(1)
		go func() { defer s.done.Done(); s.listen(runCtx, databaseURL) }()
	}
	return s, nil
}

// Close stops the background work and closes the database.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.stop()
		s.done.Wait()
		err = s.client.Close()
	})
	return err
}

// Client returns the ent client for queries the domain methods do not cover. The privacy
// rules still apply: pass a context with a viewer.
func (s *Store) Client() *ent.Client { return s.client }

// Dialect returns "sqlite3" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// inTx runs fn in a transaction and commits it when fn returns nil. Projects whose progress
// changed in the transaction are announced to subscribers after the commit.
func (s *Store) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	etx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: etx, c: etx.Client(), s: s}
	if err := fn(tx); err != nil {
		if rerr := etx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if err := etx.Commit(); err != nil {
		return mapErr(fmt.Errorf("commit: %w", err), "transaction")
	}
	s.announce(ctx, tx.touched)
	return nil
}

// InTx runs fn in one transaction: everything fn writes through tx commits together or not at
// all (a stage's outputs, decisions, progress events and its next trigger).
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error { return s.inTx(ctx, fn) }

// Tx is a transaction opened by InTx. Its methods act as the viewer of the context they are
// given, like the Store's.
type Tx struct {
	tx      *ent.Tx
	c       *ent.Client
	s       *Store
	touched []uuid.UUID
}

// Client returns the ent client bound to the transaction.
func (tx *Tx) Client() *ent.Client { return tx.c }
