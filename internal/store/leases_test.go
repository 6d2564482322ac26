package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLeaseClaimIsExclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		p := f.project(t, f.ctxA, f.dsA.ID, "x")
		const workers = 8
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			owners []string
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("worker-%d", w)
				_, ok, err := s.ClaimProject(f.sys, p.ID, name, time.Minute)
				if err != nil {
					t.Errorf("ClaimProject(%s) = %v", name, err)
				}
				if ok {
					mu.Lock()
					owners = append(owners, name)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(owners) != 1 {
			t.Fatalf("ClaimProject by %d workers: %d won (%v), want exactly 1", workers, len(owners), owners)
		}
		winner := owners[0]
		// The holder may claim again (a redelivered trigger) and renew.
		if _, ok, err := s.ClaimProject(f.sys, p.ID, winner, time.Minute); !ok || err != nil {
			t.Errorf("ClaimProject(holder again) = %v, %v, want true", ok, err)
		}
		if err := s.RenewLease(f.sys, p.ID, winner, time.Minute); err != nil {
			t.Errorf("RenewLease(holder) = %v", err)
		}
		if err := s.RenewLease(f.sys, p.ID, "intruder", time.Minute); !errors.Is(err, ErrLeaseLost) || !errors.Is(err, ErrConflict) {
			t.Errorf("RenewLease(intruder) = %v, want ErrLeaseLost", err)
		}
		if ps, err := s.ListClaimableProjects(f.sys, 10); err != nil || len(ps) != 0 {
			t.Errorf("ListClaimableProjects with a live lease = %d, %v, want 0", len(ps), err)
		}
		// An expired lease goes to the next worker, and the old holder is fenced out.
		if _, ok, _ := s.ClaimProject(f.sys, p.ID, winner, -time.Second); !ok {
			t.Fatal("ClaimProject(holder, expired ttl) = false")
		}
		if ps, err := s.ListClaimableProjects(f.sys, 10); err != nil || len(ps) != 1 {
			t.Errorf("ListClaimableProjects with an expired lease = %d, %v, want 1", len(ps), err)
		}
		got, ok, err := s.ClaimProject(f.sys, p.ID, "worker-next", time.Minute)
		if !ok || err != nil || got.LeaseOwner != "worker-next" || got.Attempts < 3 {
			t.Fatalf("ClaimProject(after expiry) = %v %v %+v, want worker-next", ok, err, got)
		}
		if err := s.RenewLease(f.sys, p.ID, winner, time.Minute); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("RenewLease(old holder) = %v, want ErrLeaseLost", err)
		}
		if err := s.ReleaseLease(f.sys, p.ID, "worker-next"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.ClaimProject(f.sys, p.ID, "worker-3rd", time.Minute); !ok {
			t.Error("ClaimProject after release = false")
		}
		// A finished project cannot be claimed.
		if _, err := s.CancelProject(f.ctxA, p.ID); err != nil {
			t.Fatal(err)
		}
		_, ok, err = s.ClaimProject(f.sys, p.ID, "late", time.Minute)
		if ok {
			t.Error("ClaimProject(cancelled) = true")
		}
		wantErr(t, "ClaimProject(cancelled)", err, ErrFailedPrecondition)
		if err := s.RenewLease(f.sys, p.ID, "worker-3rd", time.Minute); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("RenewLease(cancelled) = %v, want ErrLeaseLost", err)
		}
	})
}
