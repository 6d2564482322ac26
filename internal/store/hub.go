package store

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
)

// hub fans wake-ups out to the subscribers of each project. Commits of this process and
// Postgres notifications wake a project's subscribers at once. Every poll interval the hub also
// asks the database, in one query for all watched projects, where each project's progress
// stands, and wakes only the subscribers of the projects that moved: the safety net for commits
// of other processes whose notification was missed, and the only path between processes on
// SQLite. Idle watchers so cost one small query per interval in all, not a read each.
type hub struct {
	st   *Store // the store the hub polls
	poll time.Duration

	mu       sync.Mutex // guards projects
	projects map[uuid.UUID]*watchers
}

// watchers are the subscribers of one project and what the last poll saw of it.
type watchers struct {
	chans map[chan struct{}]struct{}
	// mark is the project's progress mark (see progressMarks) at the last poll, noProject when
	// the project did not exist then. polled is false until a poll has seen the project since
	// its first subscriber came.
	mark   int64
	polled bool
}

// noProject is the mark of a project missing from the database, so that deleting a project
// wakes its watchers.
const noProject = -1

// newHub returns a hub that polls st every poll interval.
func newHub(st *Store, poll time.Duration) *hub {
	return &hub{st: st, poll: poll, projects: map[uuid.UUID]*watchers{}}
}

// subscribe registers a channel for the project and returns it with its cancel function.
func (h *hub) subscribe(id uuid.UUID) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	w := h.projects[id]
	if w == nil {
		w = &watchers{chans: map[chan struct{}]struct{}{}}
		h.projects[id] = w
	}
	w.chans[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(w.chans, ch)
			if len(w.chans) == 0 {
				delete(h.projects, id)
			}
			h.mu.Unlock()
			close(ch)
		})
	}
}

// notify wakes the project's subscribers without blocking.
func (h *hub) notify(id uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.projects[id]; w != nil {
		w.wake()
	}
}

// notifyAll wakes every subscriber.
func (h *hub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.projects {
		w.wake()
	}
}

// wake wakes each subscriber of w.
func (w *watchers) wake() {
	for ch := range w.chans {
		wake(ch)
	}
}

// wake sends on a 1-buffered channel unless a wake-up is already pending.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// run polls until ctx ends.
func (h *hub) run(ctx context.Context) {
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.pollOnce(ctx)
		}
	}
}

// pollOnce reads the marks of the watched projects and wakes the subscribers of those whose
// mark moved since the last poll. It also wakes the subscribers of a project no poll has seen
// yet: they may have read it before a commit that this poll is the first to see. When the
// query fails it wakes everyone, as it cannot tell what changed.
func (h *hub) pollOnce(ctx context.Context) {
	ids := h.watched()
	if len(ids) == 0 {
		return
	}
	marks, err := h.st.progressMarks(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			h.st.log.WarnContext(ctx, "progress poll failed; waking every watcher", "err", err)
			h.notifyAll()
		}
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		w := h.projects[id]
		if w == nil {
			continue // its last subscriber left during the query
		}
		mark, ok := marks[id]
		if !ok {
			mark = noProject
		}
		if w.polled && w.mark == mark {
			continue
		}
		w.mark, w.polled = mark, true
		w.wake()
	}
}

// watched returns the projects that have subscribers.
func (h *hub) watched() []uuid.UUID {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]uuid.UUID, 0, len(h.projects))
	for id := range h.projects {
		ids = append(ids, id)
	}
	return ids
}
