package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	entmigrate "github.com/trainyard/trainyard/ent/migrate"
)

var newMigration = flag.String("new-migration", "",
	"write a migration with this name to ent/migrate/migrations for the schema changes not covered yet")

// migrationsDir is the committed migration folder of dialect, relative to this package.
func migrationsDir(dialect string) string {
	name := "sqlite"
	if dialect == dialectPostgres {
		name = "postgres"
	}
	return filepath.Join("..", "..", "ent", "migrate", "migrations", name)
}

// rawDB opens an empty database of backend b without migrating it.
func rawDB(t *testing.T, b backend) (*sql.DB, string) {
	t.Helper()
	db, dialect, err := openDB(context.Background(), b.url(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dialect
}

// TestMigrationsMatchSchema replays the committed migrations into an empty database and diffs
// the result against the ent schema: any difference means a schema change without a migration.
// With -new-migration=NAME it writes that migration instead.
func TestMigrationsMatchSchema(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, dialect := rawDB(t, b)
			local, err := atlasmigrate.NewLocalDir(migrationsDir(dialect))
			if err != nil {
				t.Fatal(err)
			}
			var dir atlasmigrate.Dir = local
			if *newMigration == "" {
				// Diff into memory so a failing check never touches the committed files.
				mem := &atlasmigrate.MemDir{}
				files, err := local.Files()
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if err := mem.WriteFile(f.Name(), f.Bytes()); err != nil {
						t.Fatal(err)
					}
				}
				sum, err := os.ReadFile(filepath.Join(migrationsDir(dialect), atlasmigrate.HashFileName))
				if err != nil {
					t.Fatal(err)
				}
				if err := mem.WriteFile(atlasmigrate.HashFileName, sum); err != nil {
					t.Fatal(err)
				}
				dir = mem
			}
			m, err := schema.NewMigrate(entsql.OpenDB(dialect, db),
				schema.WithDir(dir),
				schema.WithMigrationMode(schema.ModeReplay),
				schema.WithDialect(dialect),
				schema.WithFormatter(atlasmigrate.DefaultFormatter),
				schema.WithErrNoPlan(true),
			)
			if err != nil {
				t.Fatal(err)
			}
			name := *newMigration
			if name == "" {
				name = "pending"
			}
			err = m.NamedDiff(context.Background(), name, entmigrate.Tables...)
			switch {
			case errors.Is(err, atlasmigrate.ErrNoPlan):
				if *newMigration != "" {
					t.Logf("%s: schema and migrations agree; nothing written", b.name)
				}
			case err != nil:
				t.Fatalf("diff schema against migrations: %v", err)
			case *newMigration != "":
				t.Logf("%s: wrote migration %q; review and commit it", b.name, name)
			default:
				files, _ := dir.Files()
				t.Fatalf("the ent schema has changes that no migration covers:\n%s\n"+
					"add one: go test ./internal/store -run TestMigrationsMatchSchema -new-migration=NAME "+
					"(with TRAINYARD_TEST_POSTGRES_URL set)", files[len(files)-1].Bytes())
			}
		})
	}
}

// TestMigrationUpgradeKeepsData builds a database with the first migration only, writes rows
// the way the first release did, opens it with this build (applying every later migration),
// and reads the rows back.
func TestMigrationUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			db, dialect, err := openDB(context.Background(), url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			files, err := loadMigrations(dialect, "")
			if err != nil || len(files) == 0 {
				t.Fatalf("loadMigrations = %d files, %v", len(files), err)
			}
			ctx := context.Background()
			if err := migrateTo(ctx, db, dialect, files[0].version, nil); err != nil {
				t.Fatalf("apply first migration: %v", err)
			}
			ids := writeV1Rows(t, db, dialect)
			db.Close()

			s := openTest(t, url) // applies the rest
			sys := SystemContext(ctx)
			u, err := s.GetUserByEmail(sys, "old@example.com")
			if err != nil || u.ID != ids.user || u.DefaultRole != RoleAdmin {
				t.Fatalf("user after upgrade = %+v, %v", u, err)
			}
			p, err := s.GetProject(sys, ids.project)
			if err != nil {
				t.Fatalf("project after upgrade: %v", err)
			}
			if p.ProblemDescription != "predict churn" || p.Stage != StageTraining || p.NextSequence != 2 || !sameJSON(p.Plan, `{"families":["gbdt"]}`) {
				t.Errorf("project after upgrade = %q %s seq %d plan %s", p.ProblemDescription, p.Stage, p.NextSequence, p.Plan)
			}
			evs, err := s.ListProgress(sys, ids.project, 0, 0)
			if err != nil || len(evs) != 2 || evs[1].Message != "training" {
				t.Errorf("events after upgrade = %d, %v", len(evs), err)
			}
			v, _, err := s.Authenticate(ctx, "ty_old-secret-old-secret-old-secret-old")
			if err != nil || v.UserID != ids.user || v.Role != RoleAdmin {
				t.Errorf("Authenticate(old key) = %+v, %v", v, err)
			}
			// The store keeps working on the upgraded data: the next event continues the sequence.
			e, err := s.AppendProgress(sys, ids.project, NewProgress{Kind: EventLog, Message: "after upgrade"})
			if err != nil || e.Sequence != 3 {
				t.Errorf("AppendProgress after upgrade = %v, %v, want sequence 3", e, err)
			}
		})
	}
}

// sameJSON reports whether got encodes the same value as want (Postgres jsonb reformats).
func sameJSON(got []byte, want string) bool {
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return cmp.Equal(g, w)
}

// v1IDs are the ids of the rows writeV1Rows wrote.
type v1IDs struct{ user, project uuid.UUID }

// writeV1Rows inserts rows with plain SQL against the first migration's tables, as an old
// build would have. These statements must keep working against the first migration forever.
func writeV1Rows(t *testing.T, db *sql.DB, dialect string) v1IDs {
	t.Helper()
	ids := v1IDs{user: uuid.New(), project: uuid.New()}
	ds := uuid.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO users (id, created_at, updated_at, email, display_name, default_role) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{ids.user, now, now, "old@example.com", "Old", "ADMIN"}},
		{`INSERT INTO api_keys (id, created_at, updated_at, display_name, key_prefix, secret_hash, role, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{uuid.New(), now, now, "old", "ty_old-s", hashSecret("ty_old-secret-old-secret-old-secret-old"), "ADMIN", ids.user}},
		{`INSERT INTO datasets (id, created_at, updated_at, display_name, data_type, size_bytes, num_rows, num_columns, labeled, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{ds, now, now, "churn.csv", "TABULAR", 10, 2, 3, true, ids.user}},
		{`INSERT INTO projects (id, created_at, updated_at, display_name, problem_description, data_type, requires_approval, stage, stage_progress, iteration, budget_seconds, plan, error_message, lease_owner, attempts, next_sequence, next_audit_sequence, dataset_id, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{ids.project, now, now, "", "predict churn", "TABULAR", false, "TRAINING", 0.5, 1, 60, `{"families":["gbdt"]}`, "", "", 1, 2, 0, ds, ids.user}},
		{`INSERT INTO progress_events (id, created_at, updated_at, sequence, stage, kind, stage_progress, message, project_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{uuid.New(), now, now, 1, "ANALYZING", "STAGE_CHANGED", 0, "created", ids.project}},
		{`INSERT INTO progress_events (id, created_at, updated_at, sequence, stage, kind, stage_progress, message, project_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{uuid.New(), now, now, 2, "TRAINING", "STAGE_CHANGED", 0, "training", ids.project}},
	}
	for _, st := range stmts {
		q := st.q
		if dialect == dialectPostgres {
			q = numberPlaceholders(q)
		}
		if _, err := db.Exec(q, st.args...); err != nil {
			t.Fatalf("old-schema insert %q: %v", q[:40], err)
		}
	}
	return ids
}

// numberPlaceholders turns ? into $1, $2, ...
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestMigrationTamperAndNewerDatabaseRefused(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			s := openTest(t, url)
			s.Close()
			db, dialect, err := openDB(context.Background(), url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ph := "?"
			if dialect == dialectPostgres {
				ph = "$1"
			}
			files, _ := loadMigrations(dialect, "")
			if _, err := db.Exec("UPDATE schema_migrations SET checksum = 'deadbeefdeadbeef' WHERE version = "+ph, files[0].version); err != nil {
				t.Fatal(err)
			}
			if s, err := Open(context.Background(), url, Options{}); err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
				if err == nil {
					s.Close()
				}
				t.Errorf("Open(tampered checksum) = %v, want a checksum error", err)
			}
			// Restore the checksum, then pretend a newer build applied a migration.
			if dialect == dialectPostgres {
				_, err = db.Exec("UPDATE schema_migrations SET checksum = $1 WHERE version = $2", files[0].sum, files[0].version)
			} else {
				_, err = db.Exec("UPDATE schema_migrations SET checksum = ? WHERE version = ?", files[0].sum, files[0].version)
			}
			if err != nil {
				t.Fatal(err)
			}
			ins := "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ('99990101000000', 'future.sql', 'x', 'now')"
			if _, err := db.Exec(ins); err != nil {
				t.Fatal(err)
			}
			if s, err := Open(context.Background(), url, Options{}); err == nil || !strings.Contains(err.Error(), "newer trainyard") {
				if err == nil {
					s.Close()
				}
				t.Errorf("Open(database from a newer build) = %v, want a refusal", err)
			}
		})
	}
}

// TestConcurrentOpen starts several stores on one fresh database at once, as a server and the
// admin CLI might: each migration is applied exactly once and every open succeeds.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := Open(context.Background(), url, Options{})
					if err != nil {
						errs <- err
						return
					}
					s.Close()
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("concurrent Open = %v", err)
			}
		})
	}
}
