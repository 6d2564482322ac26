package store

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// notifyChannel is the Postgres LISTEN/NOTIFY channel of progress events.
const notifyChannel = "trainyard_progress"

// Subscribe returns a channel that receives a value soon after new progress events of the
// project are committed (by this process at once; by other processes through LISTEN/NOTIFY on
// Postgres, or at the latest after Options.PollInterval). Wake-ups coalesce: after a receive,
// read every event after the last sequence you have. Subscribe before the first read so
// nothing falls between the read and the subscription. The channel is closed when ctx ends.
func (s *Store) Subscribe(ctx context.Context, projectID uuid.UUID) <-chan struct{} {
	ch, cancel := s.hub.subscribe(projectID)
	context.AfterFunc(ctx, cancel)
	return ch
}

// touch remembers that tx changed the project's progress, to announce after the commit.
func (tx *Tx) touch(projectID uuid.UUID) {
	if !slices.Contains(tx.touched, projectID) {
		tx.touched = append(tx.touched, projectID)
	}
}

// announce wakes the subscribers of the projects a committed transaction changed, here and, on
// Postgres, in every other process.
func (s *Store) announce(ctx context.Context, projects []uuid.UUID) {
	for _, id := range projects {
		s.hub.notify(id)
		if s.dialect == dialectPostgres {
			if _, err := s.db.ExecContext(context.WithoutCancel(ctx), "SELECT pg_notify($1, $2)", notifyChannel, id.String()); err != nil {
				s.log.WarnContext(ctx, "pg_notify failed; other processes will poll", "err", err)
			}
		}
	}
}

// listen relays Postgres notifications to the local subscribers until ctx ends, reconnecting
// after failures.
func (s *Store) listen(ctx context.Context, databaseURL string) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, databaseURL, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("progress listener disconnected; reconnecting", "err", err, "in", backoff)
		s.hub.notifyAll() // something may have been missed
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// listenOnce holds one LISTEN connection until it fails.
func (s *Store) listenOnce(ctx context.Context, databaseURL string, connected func()) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	connected()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if id, err := uuid.Parse(n.Payload); err == nil {
			s.hub.notify(id)
		}
	}
}

// hub fans wake-ups out to the subscribers of each project.
type hub struct {
	poll time.Duration
	mu   sync.Mutex
	subs map[uuid.UUID]map[chan struct{}]struct{}
}

// newHub returns a hub that also wakes everyone every poll interval.
func newHub(poll time.Duration) *hub {
	return &hub{poll: poll, subs: map[uuid.UUID]map[chan struct{}]struct{}{}}
}

// subscribe registers a channel for the project and returns it with its cancel function.
func (h *hub) subscribe(id uuid.UUID) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[chan struct{}]struct{}{}
	}
	h.subs[id][ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[id], ch)
			if len(h.subs[id]) == 0 {
				delete(h.subs, id)
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
	for ch := range h.subs[id] {
		wake(ch)
	}
}

// notifyAll wakes every subscriber.
func (h *hub) notifyAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, chans := range h.subs {
		for ch := range chans {
			wake(ch)
		}
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
			h.notifyAll()
		}
	}
}
