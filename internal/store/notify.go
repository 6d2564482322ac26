package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/trainyard/trainyard/ent/project"
)

// notifyChannel is the Postgres LISTEN/NOTIFY channel of progress events.
const notifyChannel = "trainyard_progress"

// Subscribe returns a channel that receives a value soon after new progress events of the
// project are committed (by this process at once; by other processes through LISTEN/NOTIFY on
// Postgres, or at the latest after Options.PollInterval). Wake-ups coalesce: after a receive,
// read every event after the last sequence you have (a wake-up may find none). Subscribe
// before the first read so nothing falls between the read and the subscription. The channel is
// closed when ctx ends.
func (s *Store) Subscribe(ctx context.Context, projectID uuid.UUID) <-chan struct{} {
	ch, cancel := s.hub.subscribe(projectID)
	context.AfterFunc(ctx, cancel)
	return ch
}

// markChunk bounds the ids of one progressMarks query, far below the bind-parameter limits of
// SQLite (32766) and Postgres (65535).
const markChunk = 500

// progressMarks returns the progress mark of each of the projects that exist: its
// next_sequence, the last event sequence handed out. It moves in the transaction that appends
// an event, so comparing it between polls tells whether a project has new events, by primary
// key and without reading any event. updated_at would also move with lease renewals and other
// edits that are no progress, which is all Subscribe promises, and wake watchers for nothing.
func (s *Store) progressMarks(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	marks := make(map[uuid.UUID]int64, len(ids))
	sys := SystemContext(ctx)
	for chunk := range slices.Chunk(ids, markChunk) {
		ps, err := s.client.Project.Query().Where(project.IDIn(chunk...)).
			Select(project.FieldID, project.FieldNextSequence).All(sys)
		if err != nil {
			return nil, fmt.Errorf("read progress marks of %d projects: %w", len(chunk), err)
		}
		for _, p := range ps {
			marks[p.ID] = p.NextSequence
		}
	}
	return marks, nil
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
