package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProgressSequencesUnderConcurrency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := s.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: fmt.Sprintf("w%d i%d", w, i)}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("AppendProgress = %v", err)
		}
		evs, err := s.ListProgress(f.ctxA, p.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != workers*each+1 {
			t.Fatalf("ListProgress = %d events, want %d", len(evs), workers*each+1)
		}
		for i, e := range evs {
			if e.Sequence != int64(i+1) {
				t.Fatalf("event %d has sequence %d, want %d (gap-free, in order)", i, e.Sequence, i+1)
			}
		}
		after, err := s.ListProgress(f.ctxA, p.ID, 100, 5)
		if err != nil || len(after) != 5 || after[0].Sequence != 101 {
			t.Errorf("ListProgress(after 100, limit 5) = %d events from %d, %v, want 5 from 101", len(after), after[0].Sequence, err)
		}
	})
}

func TestProgressUpdatesProject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		eta := int64(42)
		if _, err := s.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventProgress, StageProgress: 0.5, EstimatedSecondsRemaining: &eta}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetProject(f.ctxA, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.StageProgress != 0.5 || got.EstimatedSecondsRemaining == nil || *got.EstimatedSecondsRemaining != 42 {
			t.Errorf("project after PROGRESS = %v, %v, want 0.5, 42", got.StageProgress, got.EstimatedSecondsRemaining)
		}
	})
}

func TestAuditEntries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		for i := range 5 {
			_, err := s.AppendAudit(f.sys, p.ID, NewAuditEntry{
				DecisionType: "TARGET_COLUMN", Decision: fmt.Sprintf("col%d", i),
				Alternatives: []byte(`[{"option":"a","score":0.9}]`), Evidence: []byte(`{"rows":100}`),
				Reasoning: "because", Confidence: 0.8, Reasoner: "rules",
			})
			if err != nil {
				t.Fatalf("AppendAudit = %v", err)
			}
		}
		_, err := s.AppendAudit(f.ctxA, p.ID, NewAuditEntry{DecisionType: "X", Decision: "forged"})
		wantErr(t, "AppendAudit(member)", err, ErrPermissionDenied)

		var got []string
		token := ""
		for {
			es, next, err := s.ListAuditEntries(f.ctxA, p.ID, PageRequest{Size: 2, Token: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				got = append(got, fmt.Sprintf("%d:%s:%s", e.Sequence, e.Stage, e.Decision))
			}
			if next == "" {
				break
			}
			token = next
		}
		want := []string{"1:ANALYZING:col0", "2:ANALYZING:col1", "3:ANALYZING:col2", "4:ANALYZING:col3", "5:ANALYZING:col4"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListAuditEntries pages (-want +got):\n%s", diff)
		}
		// Each decision is mirrored in the progress stream.
		evs, _ := s.ListProgress(f.ctxA, p.ID, 1, 0)
		if len(evs) != 5 || evs[0].Kind != EventDecision || evs[0].Message != "TARGET_COLUMN: col0" {
			t.Errorf("decision events = %d, first %v %q, want 5 DECISION events", len(evs), evs[0].Kind, evs[0].Message)
		}
	})
}

func TestSubscribeWakesOnAppend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		py := f.project(t, f.ctxA, f.dsA.ID, "y")
		ctx, cancel := context.WithCancel(context.Background())
		ch := s.Subscribe(ctx, p.ID)
		other := s.Subscribe(ctx, py.ID)
		time.Sleep(200 * time.Millisecond) // let notifications of the creates arrive (Postgres)
		drain(ch)
		drain(other)
		if _, err := s.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: "hi"}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch:
		case <-time.After(time.Second): // well below the 2 s poll interval
			t.Fatal("no wake-up within 1s of an append")
		}
		select {
		case <-other:
			t.Error("subscriber of another project woken by this append")
		default:
		}
		cancel()
		deadline := time.After(time.Second)
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					return
				}
			case <-deadline:
				t.Fatal("channel not closed after its context ended")
			}
		}
	})
}

// TestSubscribeAcrossStores checks that a second store on the same database (another process
// in production) wakes its watchers: by NOTIFY on Postgres, by polling on SQLite.
func TestSubscribeAcrossStores(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			url := b.url(t)
			writer := openTest(t, url)
			watcher, err := Open(context.Background(), url, Options{PollInterval: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer watcher.Close()
			f := newFixture(t, writer)
			p := f.project(t, f.ctxA, f.dsA.ID, "x")
			ch := watcher.Subscribe(context.Background(), p.ID)
			drain(ch)
			time.Sleep(100 * time.Millisecond) // let the listener connect
			drain(ch)
			start := time.Now()
			if _, err := writer.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: "hi"}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ch:
				t.Logf("woken after %v", time.Since(start))
			case <-time.After(2 * time.Second):
				t.Fatal("watcher on another store not woken within 2s")
			}
			evs, err := watcher.ListProgress(f.ctxA, p.ID, 1, 0)
			if err != nil || len(evs) != 1 || evs[0].Message != "hi" {
				t.Errorf("watcher ListProgress = %d events, %v, want the new one", len(evs), err)
			}
		})
	}
}

// drain empties a wake-up channel.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
