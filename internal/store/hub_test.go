package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/progressevent"
)

// countWakes counts the wake-ups ch receives during d.
func countWakes(ch <-chan struct{}, d time.Duration) int {
	n := 0
	deadline := time.After(d)
	for {
		select {
		case <-ch:
			n++
		case <-deadline:
			return n
		}
	}
}

// waitWake returns how long ch took to wake, failing the test after limit.
func waitWake(t *testing.T, ch <-chan struct{}, what string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-ch:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("%s: no wake-up within %v", what, limit)
		return 0
	}
}

// TestPollWakesOnlyChangedProjects watches projects through one store while a second store on
// the same database (another process in production) writes: the poll leaves idle projects
// alone, and wakes the watchers of a project that got an event or was deleted within about one
// poll interval (at once on Postgres, through NOTIFY). Watching more projects than one query
// takes (markChunk) checks that every chunk is read.
func TestPollWakesOnlyChangedProjects(t *testing.T) {
	const poll = 100 * time.Millisecond
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			writer := openTest(t, url)
			watcher, err := Open(context.Background(), url, Options{PollInterval: poll})
			if err != nil {
				t.Fatal(err)
			}
			defer watcher.Close()
			f := newFixture(t, writer)
			p := f.project(t, f.ctxA, f.dsA.ID, "changes")
			q := f.project(t, f.ctxA, f.dsA.ID, "deleted later")
			idle := f.project(t, f.ctxA, f.dsA.ID, "stays idle")

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			chP, chQ, chIdle := watcher.Subscribe(ctx, p.ID), watcher.Subscribe(ctx, q.ID), watcher.Subscribe(ctx, idle.ID)
			missing := make([]<-chan struct{}, 2*markChunk)
			for i := range missing {
				missing[i] = watcher.Subscribe(ctx, uuid.New())
			}
			// Every new subscription is woken by the first poll that sees its project.
			time.Sleep(3 * poll)
			for _, ch := range append(missing, chP, chQ, chIdle) {
				drain(ch)
			}

			if n := countWakes(chIdle, 10*poll); n != 0 {
				t.Errorf("idle project's watcher woken %d times in 10 poll intervals, want 0", n)
			}
			for i, ch := range missing {
				if n := countWakes(ch, 0); n != 0 {
					t.Fatalf("watcher %d of a missing project woken %d times, want 0", i, n)
				}
			}

			if _, err := writer.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: "hi"}); err != nil {
				t.Fatal(err)
			}
			t.Logf("append seen after %v", waitWake(t, chP, "append by the other store", 3*poll))

			if err := writer.InTx(f.sys, func(tx *Tx) error {
				if _, err := tx.Client().ProgressEvent.Delete().Where(progressevent.ProjectID(q.ID)).Exec(f.sys); err != nil {
					return err
				}
				return tx.Client().Project.DeleteOneID(q.ID).Exec(f.sys)
			}); err != nil {
				t.Fatal(err)
			}
			t.Logf("delete seen after %v", waitWake(t, chQ, "delete by the other store", 3*poll))

			if n := countWakes(chIdle, 0); n != 0 {
				t.Errorf("idle project's watcher woken %d times by changes to others, want 0", n)
			}
		})
	}
}
