package pipeline

import (
	"sync"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ml/profile"
)

// profileKey names a profile: the dataset and the target it was computed with.
type profileKey struct {
	dataset uuid.UUID
	target  string
}

// profileCache keeps the DataProcessor's last few profiles, so the deployment refit of a
// project this worker processed reuses the profile instead of computing it again. A worker
// that did not process the project finds nothing and the refit profiles the data itself.
type profileCache struct {
	mu    sync.Mutex
	size  int
	order []profileKey
	byKey map[profileKey]*profile.Profile
}

func newProfileCache(size int) *profileCache {
	return &profileCache{size: size, byKey: map[profileKey]*profile.Profile{}}
}

// get returns the profile of a dataset with a target, or nil.
func (c *profileCache) get(dataset uuid.UUID, target string) *profile.Profile {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byKey[profileKey{dataset, target}]
}

// put remembers a profile (profiles are never modified once computed).
func (c *profileCache) put(dataset uuid.UUID, target string, p *profile.Profile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := profileKey{dataset, target}
	if _, ok := c.byKey[k]; !ok {
		c.order = append(c.order, k)
	}
	c.byKey[k] = p
	for len(c.order) > c.size {
		delete(c.byKey, c.order[0])
		c.order = c.order[1:]
	}
}
