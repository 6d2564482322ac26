package store

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
)

// Authentication cache defaults (see Options.AuthCacheTTL).
const (
	// DefaultAuthCacheTTL is how long Authenticate trusts what it read about a key. A key revoked
	// through another process (another replica, `trainyard admin`) stops working within this
	// time; a key revoked through this Store stops at once.
	DefaultAuthCacheTTL = 3 * time.Second
	// authNegativeTTL is how long an unknown, revoked or expired key is answered from memory.
	authNegativeTTL = time.Second
	// authCacheMax bounds the cached keys; past it an arbitrary entry makes room.
	authCacheMax = 8192
)

// keyHash is the SHA-256 of a secret, the cache's key.
type keyHash [sha256.Size]byte

// keyEntry is what Authenticate learnt about one secret.
type keyEntry struct {
	until time.Time // trust the entry before this time
	err   error     // non-nil: the key is unknown, revoked or expired
	key   *ent.ApiKey
	view  Viewer
	// used is the key's last_used_at in Unix nanoseconds as this process last wrote or read it;
	// the request that moves it claims the refresh (compare-and-swap), so a busy key costs one
	// write a minute.
	used atomic.Int64
}

// keyCache remembers recent Authenticate results by the hash of the secret, so that a request
// with a known key costs no database read. It is bounded and safe for concurrent use.
type keyCache struct {
	ttl time.Duration // <= 0: disabled
	mu  sync.RWMutex
	m   map[keyHash]*keyEntry
	// gen counts revokes. A lookup notes it before reading the database and stores its result
	// only if no revoke happened meanwhile, so a read that raced a revoke is not cached.
	gen uint64
}

func newKeyCache(ttl time.Duration) *keyCache {
	return &keyCache{ttl: ttl, m: make(map[keyHash]*keyEntry)}
}

// get returns the live entry of h, if any.
func (c *keyCache) get(h keyHash, now time.Time) *keyEntry {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.RLock()
	e := c.m[h]
	c.mu.RUnlock()
	if e == nil || !now.Before(e.until) {
		return nil
	}
	return e
}

// generation returns the revoke count to pass to put.
func (c *keyCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put stores e under h, unless a revoke happened since gen was read; it makes room when the
// cache is full.
func (c *keyCache) put(h keyHash, e *keyEntry, gen uint64) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.m[h]; !ok && len(c.m) >= authCacheMax {
		now := time.Now()
		for k, old := range c.m { // expired entries first, else one arbitrary entry
			if !now.Before(old.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= authCacheMax {
			for k := range c.m {
				delete(c.m, k)
				break
			}
		}
	}
	c.m[h] = e
}

// forget drops the entry of h (a new key: its hash may have been looked up before).
func (c *keyCache) forget(h keyHash) {
	c.mu.Lock()
	delete(c.m, h)
	c.mu.Unlock()
}

// forgetKey drops the entry of the key with id (a revoke).
func (c *keyCache) forgetKey(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if e.key != nil && e.key.ID == id {
			delete(c.m, k)
		}
	}
}
