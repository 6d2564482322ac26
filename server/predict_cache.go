package server

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
)

// DefaultModelCacheTTL is how long a prediction reuses a model's stored record before reading
// it again; a redeployment reaches predictions within this time.
const DefaultModelCacheTTL = time.Second

// maxCachedModels bounds the record cache; past it the cache starts over.
const maxCachedModels = 4096

// modelCache keeps recently read model records for the prediction routes, so that a
// prediction costs no database read for its model. Records are shared by all callers, so
// each use checks that the caller may see the model (owner or admin, as the store's privacy
// rules say; scoped keys are checked before); anyone else reads through the store.
type modelCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[uuid.UUID]cachedModel
}

type cachedModel struct {
	m  *ent.Model
	at time.Time
}

// newModelCache returns a cache; ttl <= 0 disables it.
func newModelCache(ttl time.Duration) *modelCache {
	return &modelCache{ttl: ttl, m: map[uuid.UUID]cachedModel{}}
}

// get returns the model record id as the viewer of ctx may see it.
func (c *modelCache) get(ctx context.Context, d *data, id uuid.UUID) (*ent.Model, error) {
	v, _ := store.ViewerFrom(ctx)
	if c.ttl > 0 {
		c.mu.Lock()
		e, ok := c.m[id]
		c.mu.Unlock()
		if ok && time.Since(e.at) < c.ttl && (v.Admin() || e.m.OwnerID == v.UserID) {
			return e.m, nil
		}
	}
	m, err := d.getModel(ctx, id)
	if err != nil || c.ttl <= 0 {
		return m, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedModels {
		clear(c.m)
	}
	c.m[id] = cachedModel{m: m, at: time.Now()}
	c.mu.Unlock()
	return m, nil
}

// forget drops the record of id (the model was deleted).
func (c *modelCache) forget(id uuid.UUID) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
