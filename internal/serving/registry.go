package serving

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/ml/model"
)

// DefaultMaxBytes is the default memory budget of the loaded models.
const DefaultMaxBytes = 1 << 30

// ErrTooLarge is returned when one model alone exceeds the registry's memory budget.
var ErrTooLarge = errors.New("model too large for the serving memory budget")

// Ref names one version of a deployed model: its id, the blob key of its native artifact and
// the time its record last changed. A different key or time is a redeployment.
type Ref struct {
	ID          uuid.UUID
	ArtifactKey string
	Version     time.Time
	// Endpoint, when set, names the endpoint that answers the model's predictions (Remote).
	Endpoint string
	// Detection marks an object detection model: it has no artifact and its endpoint finds
	// the objects (Loaded.Detect).
	Detection bool
}

// Loaded is a model ready to predict. It is immutable and safe for concurrent use.
type Loaded struct {
	// Ref is the version loaded.
	Ref Ref
	// Predictor predicts with the artifact.
	Predictor *model.Predictor
	// Inputs describes the input columns the model reads, in schema order.
	Inputs []Input
	// Bytes is the estimated memory the model takes.
	Bytes int64
	// LoadTime is how long loading and compiling took.
	LoadTime time.Duration
	// Endpoint answers the predictions when set (see Predict).
	Endpoint string

	index  map[string]int
	remote Remote
	detect bool
}

// Options configure a Registry.
type Options struct {
	// Blobs holds the artifacts (required).
	Blobs *blob.Store
	// MaxBytes bounds the estimated memory of the loaded models (default DefaultMaxBytes).
	MaxBytes int64
	// Logger receives load and eviction logs (default: discard).
	Logger *slog.Logger
	// Remote answers the predictions of models with an endpoint (nil: they are answered
	// locally from their artifact).
	Remote Remote
}

// Registry loads deployed models on demand and keeps the recently used ones in memory. It is
// safe for concurrent use.
type Registry struct {
	blobs  *blob.Store
	max    int64
	log    *slog.Logger
	remote Remote

	mu      sync.Mutex
	lru     *list.List // of *Loaded, most recently used first
	byID    map[uuid.UUID]*list.Element
	used    int64
	loading map[Ref]*call
	loads   int64
}

// call is one load in flight, shared by every request that waits for it.
type call struct {
	done    chan struct{}
	m       *Loaded
	err     error
	evicted bool // Evict ran meanwhile: hand the model to the waiters, keep it out of the cache
}

// New returns an empty registry.
func New(opts Options) (*Registry, error) {
	if opts.Blobs == nil {
		return nil, errors.New("serving: Options.Blobs is required")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{
		blobs: opts.Blobs, max: opts.MaxBytes, log: opts.Logger, remote: opts.Remote,
		lru: list.New(), byID: map[uuid.UUID]*list.Element{}, loading: map[Ref]*call{},
	}, nil
}

// Get returns the model ref names, loading it when it is not in memory or when the version in
// memory is another one. Concurrent calls for the same ref share one load; a caller whose ctx
// ends stops waiting, but the load goes on for the others.
func (r *Registry) Get(ctx context.Context, ref Ref) (*Loaded, error) {
	if ref.Detection {
		return r.detector(ref)
	}
	if ref.ArtifactKey == "" {
		return nil, fmt.Errorf("model %s has no artifact", ref.ID)
	}
	r.mu.Lock()
	if el, ok := r.byID[ref.ID]; ok {
		m := el.Value.(*Loaded)
		if m.Ref.ArtifactKey == ref.ArtifactKey && m.Ref.Version.Equal(ref.Version) {
			r.lru.MoveToFront(el)
			r.mu.Unlock()
			return m, nil
		}
	}
	c, ok := r.loading[ref]
	if !ok {
		c = &call{done: make(chan struct{})}
		r.loading[ref] = c
		r.loads++
		go r.load(context.WithoutCancel(ctx), ref, c)
	}
	r.mu.Unlock()
	select {
	case <-c.done:
		return c.m, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// load reads and compiles one artifact, then publishes it to the cache.
func (r *Registry) load(ctx context.Context, ref Ref, c *call) {
	start := time.Now()
	m, err := r.read(ctx, ref)
	if err == nil {
		m.LoadTime = time.Since(start)
		if m.Bytes > r.max {
			err = fmt.Errorf("model %s needs about %d MB, the budget is %d MB: %w", ref.ID, m.Bytes>>20, r.max>>20, ErrTooLarge)
		}
	}
	r.mu.Lock()
	delete(r.loading, ref)
	if err == nil && !c.evicted {
		r.insert(m)
	}
	r.mu.Unlock()
	if err != nil {
		r.log.WarnContext(ctx, "model load failed", "model", ref.ID, "key", ref.ArtifactKey, "err", err)
	} else {
		r.log.InfoContext(ctx, "model loaded", "model", ref.ID, "bytes", m.Bytes, "duration", m.LoadTime)
	}
	c.m, c.err = m, err
	close(c.done)
}

// insert puts m in the cache, replacing an older version of it and evicting the least recently
// used models past the budget. r.mu is held.
func (r *Registry) insert(m *Loaded) {
	if el, ok := r.byID[m.Ref.ID]; ok {
		old := el.Value.(*Loaded)
		if old.Ref.Version.After(m.Ref.Version) {
			return // a newer version was published while this one loaded
		}
		r.used -= old.Bytes
		r.lru.Remove(el)
	}
	r.byID[m.Ref.ID] = r.lru.PushFront(m)
	r.used += m.Bytes
	for r.used > r.max && r.lru.Len() > 1 {
		el := r.lru.Back()
		ev := el.Value.(*Loaded)
		r.lru.Remove(el)
		delete(r.byID, ev.Ref.ID)
		r.used -= ev.Bytes
		r.log.Info("model evicted", "model", ev.Ref.ID, "bytes", ev.Bytes)
	}
}

// read loads the artifact of ref from the blob store.
func (r *Registry) read(ctx context.Context, ref Ref) (*Loaded, error) {
	rd, err := r.blobs.Open(ctx, ref.ArtifactKey)
	if err != nil {
		return nil, fmt.Errorf("open artifact of model %s: %w", ref.ID, err)
	}
	defer rd.Close()
	a, err := model.Load(rd)
	if err != nil {
		return nil, fmt.Errorf("load artifact of model %s: %w", ref.ID, err)
	}
	newPredictor := model.NewPredictor
	if a.Image != nil {
		newPredictor = model.NewImagePredictor
	}
	p, err := newPredictor(a)
	if err != nil {
		return nil, fmt.Errorf("compile model %s: %w", ref.ID, err)
	}
	m := &Loaded{Ref: ref, Predictor: p, Bytes: estimateBytes(a)}
	m.Inputs, m.index = inputsOf(a)
	if ref.Endpoint != "" && r.remote != nil {
		m.Endpoint, m.remote = ref.Endpoint, r.remote
	}
	return m, nil
}

// Evict drops every version of a model from memory (it was deleted or undeployed), including
// versions still loading, which then reach only the requests already waiting for them.
func (r *Registry) Evict(id uuid.UUID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ref, c := range r.loading {
		if ref.ID == id {
			c.evicted = true
		}
	}
	if el, ok := r.byID[id]; ok {
		r.used -= el.Value.(*Loaded).Bytes
		r.lru.Remove(el)
		delete(r.byID, id)
	}
}

// Stats describe the registry's cache.
type Stats struct {
	// Models in memory, their estimated Bytes, and the budget MaxBytes.
	Models   int
	Bytes    int64
	MaxBytes int64
	// Loads started since the registry was made.
	Loads int64
}

// Stats returns the cache's current figures.
func (r *Registry) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Models: r.lru.Len(), Bytes: r.used, MaxBytes: r.max, Loads: r.loads}
}

// estimateBytes estimates the memory a loaded artifact and its compiled predictor take: tree
// nodes (stored and compiled), linear coefficients and the preprocessing's levels.
func estimateBytes(a *model.Artifact) int64 {
	const (
		nodeBytes  = 120 // a stored Node plus its compiled form
		levelBytes = 48  // a level string and its map entry
		fixed      = 64 << 10
	)
	n := int64(fixed)
	for _, m := range a.Members {
		if m.Trees != nil {
			for _, t := range m.Trees.Trees {
				n += int64(len(t.Nodes)) * nodeBytes
			}
		}
		if m.Linear != nil {
			for _, c := range m.Linear.Coefficients {
				n += int64(len(c)) * 8
			}
		}
	}
	for _, p := range a.Pipelines {
		for _, s := range p.Steps {
			n += int64(len(s.Levels)+len(s.OtherLevels)+len(s.Out)) * levelBytes
			for _, st := range s.Stats {
				n += int64(len(st)) * 8
			}
		}
	}
	return n
}
