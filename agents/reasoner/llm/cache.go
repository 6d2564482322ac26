package llm

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/trainyard/trainyard/agents/reasoner"
)

// Cache keeps the last answers by key, least recently used out first. It is safe for
// concurrent use; a nil *Cache caches nothing.
type Cache struct {
	size  int
	mu    sync.Mutex
	order *list.List // of *entry, most recent first
	items map[string]*list.Element
}

// entry is one cached answer.
type entry struct {
	key string
	ans reasoner.Answer
}

// NewCache returns a cache of size answers; size <= 0 returns nil (no cache).
func NewCache(size int) *Cache {
	if size <= 0 {
		return nil
	}
	return &Cache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

// Key derives a cache key from the parts of a request that determine the answer (model,
// prompt, schema).
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the answer under key.
func (c *Cache) Get(key string) (reasoner.Answer, bool) {
	if c == nil {
		return reasoner.Answer{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return reasoner.Answer{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).ans, true
}

// Put stores ans under key, evicting the least recently used answer when full.
func (c *Cache) Put(key string, ans reasoner.Answer) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*entry).ans = ans
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key: key, ans: ans})
	if c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*entry).key)
	}
}

// Len returns the number of cached answers.
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
