package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/trainyard/trainyard/ent/apikey"
)

// TestAuthCache: a known key is answered from memory (deleting its row behind the store's back
// goes unnoticed until the TTL passes), a revoke through the same store applies at once, a
// revoke through another store (another replica) within the TTL, and a new key works at once
// even right after its secret was refused.
func TestAuthCache(t *testing.T) {
	t.Parallel()
	const ttl = 300 * time.Millisecond
	url := "sqlite://" + filepath.Join(t.TempDir(), "trainyard.db")
	s, err := Open(context.Background(), url, Options{AuthCacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other := openTest(t, url) // another replica on the same database
	f := newFixture(t, s)
	bg := context.Background()

	secret, key, err := s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(bg, secret); err != nil {
		t.Fatalf("Authenticate(new key) = %v", err)
	}
	// The row disappears behind the cache's back: the cached answer holds for the TTL.
	if _, err := s.Client().ApiKey.Delete().Where(apikey.ID(key.ID)).Exec(f.sys); err != nil {
		t.Fatal(err)
	}
	if v, _, err := s.Authenticate(bg, secret); err != nil || v.UserID != f.a.ID {
		t.Fatalf("Authenticate(cached, row gone) = %+v, %v, want A from the cache", v, err)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	_, _, err = s.Authenticate(bg, secret)
	wantErr(t, "Authenticate(row gone, after the TTL)", err, ErrUnauthenticated)

	// A revoke through this store applies to the very next call.
	secret, key, err = s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(bg, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeAPIKey(f.ctxA, key.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Authenticate(bg, secret)
	wantErr(t, "Authenticate(revoked here)", err, ErrUnauthenticated)

	// A revoke through another store applies within the TTL.
	secret, key, err = s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(bg, secret); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	if _, err := other.RevokeAPIKey(f.ctxA, key.ID); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := s.Authenticate(bg, secret)
		if err != nil {
			wantErr(t, "Authenticate(revoked elsewhere)", err, ErrUnauthenticated)
			break
		}
		if time.Since(revoked) > ttl+200*time.Millisecond {
			t.Fatalf("a key revoked by another store still works %v later (TTL %v)", time.Since(revoked), ttl)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// An expiry passing while the key is cached applies at once.
	soon := time.Now().Add(150 * time.Millisecond)
	expiring, _, err := s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember, ExpiresAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Authenticate(bg, expiring); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(soon))
	_, _, err = s.Authenticate(bg, expiring)
	wantErr(t, "Authenticate(expired while cached)", err, ErrUnauthenticated)
}

// TestAuthCacheBounded: the cache never holds more than authCacheMax keys, however many
// unknown secrets are tried.
func TestAuthCacheBounded(t *testing.T) {
	c := newKeyCache(time.Minute)
	for i := range authCacheMax + 100 {
		var h keyHash
		h[0], h[1], h[2] = byte(i), byte(i>>8), byte(i>>16)
		c.put(h, &keyEntry{until: time.Now().Add(time.Minute), err: ErrUnauthenticated}, c.generation())
	}
	if n := len(c.m); n != authCacheMax {
		t.Errorf("len(cache) = %d after %d puts, want %d", n, authCacheMax+100, authCacheMax)
	}
	// A put that raced a revoke is dropped.
	gen := c.generation()
	c.forgetKey([16]byte{1})
	c.put(keyHash{9, 9, 9}, &keyEntry{until: time.Now().Add(time.Minute)}, gen)
	if c.get(keyHash{9, 9, 9}, time.Now()) != nil {
		t.Error("an entry read before a revoke was cached after it")
	}
}
