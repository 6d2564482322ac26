package store

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
)

func TestAPIKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		secret, key, err := s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, DisplayName: "laptop", Role: RoleMember})
		if err != nil {
			t.Fatalf("CreateAPIKey = %v", err)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`).MatchString(secret) {
			t.Errorf("secret %q does not match [A-Za-z0-9_-]{32,}", secret)
		}
		if key.KeyPrefix != secret[:8] || key.SecretHash == secret || strings.Contains(key.SecretHash, secret) {
			t.Errorf("key = prefix %q hash %q, want prefix %q and a hash", key.KeyPrefix, key.SecretHash, secret[:8])
		}
		v, k, err := s.Authenticate(context.Background(), secret)
		if err != nil {
			t.Fatalf("Authenticate = %v", err)
		}
		if v != (Viewer{UserID: f.a.ID, Role: RoleMember}) || k.LastUsedAt == nil {
			t.Errorf("Authenticate = %+v, last used %v, want A as MEMBER, last used set", v, k.LastUsedAt)
		}
		_, _, err = s.Authenticate(context.Background(), secret+"x")
		wantErr(t, "Authenticate(wrong secret)", err, ErrUnauthenticated)

		// A scoped viewer key.
		m := f.model(t)
		scoped, _, err := s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleViewer, ModelID: &m.ID})
		if err != nil {
			t.Fatal(err)
		}
		sv, _, err := s.Authenticate(context.Background(), scoped)
		if err != nil || sv.ModelScope != m.ID {
			t.Fatalf("Authenticate(scoped) = %+v, %v, want scope %s", sv, err, m.ID)
		}
		sctx := WithViewer(context.Background(), sv)
		if _, err := s.GetModel(sctx, m.ID); err != nil {
			t.Errorf("GetModel(scoped key, its model) = %v", err)
		}
		_, err = s.GetProject(sctx, m.ProjectID)
		wantErr(t, "GetProject(scoped key)", err, ErrPermissionDenied)

		keys, _, err := s.ListAPIKeys(f.ctxA, f.a.ID, PageRequest{})
		if err != nil || len(keys) != 2 {
			t.Fatalf("ListAPIKeys(A) = %d, %v, want 2", len(keys), err)
		}
		if keys, _, _ := s.ListAPIKeys(f.ctxB, f.a.ID, PageRequest{}); len(keys) != 0 {
			t.Errorf("ListAPIKeys(B, A's keys) = %d, want 0", len(keys))
		}
		_, err = s.RevokeAPIKey(f.ctxB, key.ID)
		wantErr(t, "RevokeAPIKey(B, A's key)", err, ErrNotFound)
		if _, err := s.RevokeAPIKey(f.ctxA, key.ID); err != nil {
			t.Fatalf("RevokeAPIKey = %v", err)
		}
		_, _, err = s.Authenticate(context.Background(), secret)
		wantErr(t, "Authenticate(revoked)", err, ErrUnauthenticated)

		past := time.Now().Add(-time.Hour)
		expired, _, err := s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember, ExpiresAt: &past})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Authenticate(context.Background(), expired)
		wantErr(t, "Authenticate(expired)", err, ErrUnauthenticated)

		// Members mint keys only for themselves and never admin keys; viewers mint none.
		if _, _, err := s.CreateAPIKey(f.ctxA, NewAPIKey{OwnerID: f.a.ID, Role: RoleViewer}); err != nil {
			t.Errorf("CreateAPIKey(A, own viewer key) = %v", err)
		}
		_, _, err = s.CreateAPIKey(f.ctxA, NewAPIKey{OwnerID: f.a.ID, Role: RoleAdmin})
		wantErr(t, "CreateAPIKey(A, admin key)", err, ErrPermissionDenied)
		_, _, err = s.CreateAPIKey(f.ctxA, NewAPIKey{OwnerID: f.b.ID, Role: RoleMember})
		wantErr(t, "CreateAPIKey(A, for B)", err, ErrPermissionDenied)
		_, _, err = s.CreateAPIKey(f.ctxView, NewAPIKey{OwnerID: f.a.ID, Role: RoleViewer})
		wantErr(t, "CreateAPIKey(viewer)", err, ErrPermissionDenied)
		_, _, err = s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: "ROOT"})
		wantErr(t, "CreateAPIKey(unknown role)", err, ErrInvalidArgument)
	})
}

func TestGetOrCreateUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		sys := SystemContext(context.Background())
		u1, err := s.GetOrCreateUser(sys, " Ada@Example.com ", "Ada", RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		u2, err := s.GetOrCreateUser(sys, "ada@example.com", "", "")
		if err != nil || u2.ID != u1.ID || u1.Email != "ada@example.com" || u2.DefaultRole != RoleAdmin {
			t.Errorf("GetOrCreateUser twice = %+v, %v, want the same user", u2, err)
		}
		member := WithViewer(context.Background(), Viewer{UserID: u1.ID, Role: RoleMember})
		_, err = s.GetOrCreateUser(member, "eve@example.com", "", RoleMember)
		wantErr(t, "GetOrCreateUser(member)", err, ErrPermissionDenied)
		_, err = s.GetUser(member, uuid.New())
		wantErr(t, "GetUser(member, someone else)", err, ErrNotFound)
	})
}

// model creates a READY model of a new project of A.
func (f *fixture) model(t *testing.T) *ent.Model {
	t.Helper()
	p := f.project(t, f.ctxA, f.dsA.ID, "model project")
	var m *ent.Model
	err := f.s.InTx(f.sys, func(tx *Tx) error {
		var err error
		m, err = tx.CreateModel(f.sys, NewModel{ProjectID: p.ID, Learner: "gbdt", State: ModelReady, Metrics: []byte(`{"auc":0.9}`)})
		return err
	})
	if err != nil {
		t.Fatalf("CreateModel = %v", err)
	}
	return m
}

// TestKeyFromSecondStoreHonouredAtOnce is `trainyard admin create-key` next to a running server:
// a second store on the same database creates a key while the first keeps writing, and the
// first accepts the key on its next request.
func TestKeyFromSecondStoreHonouredAtOnce(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			server := openTest(t, url)
			f := newFixture(t, server)
			p := f.project(t, f.ctxA, f.dsA.ID, "busy")
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() { // the server keeps writing meanwhile
				for {
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
					if _, err := server.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: "tick"}); err != nil {
						done <- err
						return
					}
				}
			}()
			cli := openTest(t, url)
			sys := SystemContext(context.Background())
			u, err := cli.GetOrCreateUser(sys, "new@example.com", "", RoleMember)
			if err != nil {
				t.Fatalf("CLI GetOrCreateUser = %v", err)
			}
			secret, _, err := cli.CreateAPIKey(sys, NewAPIKey{OwnerID: u.ID, Role: RoleAdmin})
			if err != nil {
				t.Fatalf("CLI CreateAPIKey = %v", err)
			}
			cli.Close()
			close(stop)
			if err := <-done; err != nil {
				t.Fatalf("server writes during the CLI run = %v", err)
			}
			v, _, err := server.Authenticate(context.Background(), secret)
			if err != nil || v.UserID != u.ID || v.Role != RoleAdmin {
				t.Errorf("server Authenticate(new key) = %+v, %v", v, err)
			}
		})
	}
}
