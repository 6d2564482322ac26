// Package llm holds what the language-model reasoners (gemini, openai) share: the project a
// decision belongs to (carried in the context, for accounting), a per-project meter of
// tokens and cost, and a bounded cache of validated answers keyed by model and prompt, so the
// same question about the same data is paid for once.
package llm

import (
	"context"
	"sync"
)

// projectKey is the context key of the project id.
type projectKey struct{}

// WithProject returns ctx carrying the id of the project a decision is made for; the
// reasoners account tokens and cost to it.
func WithProject(ctx context.Context, projectID string) context.Context {
	return context.WithValue(ctx, projectKey{}, projectID)
}

// ProjectFrom returns the project id in ctx, or "" when none.
func ProjectFrom(ctx context.Context) string {
	id, _ := ctx.Value(projectKey{}).(string)
	return id
}

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	// Input is the price of a million prompt tokens.
	Input float64
	// Output is the price of a million generated tokens.
	Output float64
}

// Usage is what a project (or everything) consumed.
type Usage struct {
	// Calls counts requests sent to the model (cache hits excluded).
	Calls int
	// CacheHits counts decisions answered from the cache.
	CacheHits int
	// Failures counts requests that failed or answered unusably.
	Failures int
	// InputTokens and OutputTokens are the tokens the API reported.
	InputTokens, OutputTokens int64
	// CostUSD is the tokens priced by the meter's Price.
	CostUSD float64
}

// Meter accounts usage per project. It is safe for concurrent use; a nil *Meter records
// nothing.
type Meter struct {
	price Price
	mu    sync.Mutex
	by    map[string]*Usage
	total Usage
}

// NewMeter returns a meter pricing tokens at price.
func NewMeter(price Price) *Meter { return &Meter{price: price, by: map[string]*Usage{}} }

// record applies f to the project's usage and to the total.
func (m *Meter) record(project string, f func(*Usage)) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.by[project]
	if u == nil {
		u = &Usage{}
		m.by[project] = u
	}
	f(u)
	f(&m.total)
}

// Call records one request's tokens for the project in ctx.
func (m *Meter) Call(ctx context.Context, in, out int64) {
	cost := (float64(in)*m.price.Input + float64(out)*m.price.Output) / 1e6
	m.record(ProjectFrom(ctx), func(u *Usage) {
		u.Calls++
		u.InputTokens += in
		u.OutputTokens += out
		u.CostUSD += cost
	})
}

// Hit records a decision answered from the cache.
func (m *Meter) Hit(ctx context.Context) {
	m.record(ProjectFrom(ctx), func(u *Usage) { u.CacheHits++ })
}

// Failure records a failed or unusable request.
func (m *Meter) Failure(ctx context.Context) {
	m.record(ProjectFrom(ctx), func(u *Usage) { u.Failures++ })
}

// Project returns a project's usage.
func (m *Meter) Project(id string) Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.by[id]; u != nil {
		return *u
	}
	return Usage{}
}

// Total returns the usage of all projects.
func (m *Meter) Total() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.total
}
