package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// processCPU is the CPU time this process has used so far.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage = %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestManyWatchersCostLittle holds 100 WatchProject streams (half Connect, half gRPC) on one
// project of one server: idle, they cost next to no CPU and a bounded amount of memory and
// goroutines each (client and server sides both count, they share this process); every watcher
// gets every event, in order, and every stream ends cleanly when the project does.
func TestManyWatchersCostLittle(t *testing.T) {
	const watchers, events = 100, 10
	h := newHarness(t, backends[0].url(t), options{maxActive: 100})
	u := h.newUser("crowd-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
	clients := h.protocols()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := clients["connect"].CreateProject(ctx, u.key, submission(h.newDataset(u), "predict churn"))
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.MustParse(p.GetId())

	goroutines, heap := runtime.NumGoroutine(), heapInUse()
	streams := make([]eventStream, watchers)
	for i := range streams {
		c := clients[[]string{"connect", "grpc"}[i%2]]
		s, err := c.Watch(ctx, u.key, &trainyardv1.WatchProjectRequest{Name: p.GetName()})
		if err != nil {
			t.Fatalf("watcher %d: WatchProject = %v", i, err)
		}
		if ev, err := recvTimeout(t, s); err != nil || ev.GetSequence() != 1 {
			t.Fatalf("watcher %d: first event = %v, %v, want sequence 1", i, ev, err)
		}
		streams[i] = s
	}
	perGoroutines := float64(runtime.NumGoroutine()-goroutines) / watchers
	perHeap := (float64(heapInUse()) - float64(heap)) / watchers
	t.Logf("per watcher: %.1f goroutines, %.0f KiB heap (client and server)", perGoroutines, perHeap/1024)
	if perGoroutines > 12 {
		t.Errorf("%.1f goroutines per watcher, want at most 12", perGoroutines)
	}
	if perHeap > 256<<10 {
		t.Errorf("%.0f KiB of heap per watcher, want at most 256 KiB", perHeap/1024)
	}

	// Idle: nothing happens in the project for 2 s, ten poll intervals of this harness. Each
	// poll (the safety net for writes by other processes) is one query for all watched
	// projects and wakes no watcher of a project without new events: ~7 ms of CPU in all, where
	// waking every watcher for a read at each poll took ~0.3 s.
	before := processCPU(t)
	time.Sleep(2 * time.Second)
	idle := processCPU(t) - before
	t.Logf("%d idle watchers used %v of CPU in 2 s", watchers, idle)
	if idle > 150*time.Millisecond {
		t.Errorf("%d idle watchers used %v of CPU in 2 s, want under 150ms", watchers, idle)
	}

	for i := range events {
		appendLog(t, h.st, id, fmt.Sprintf("step %d", i))
	}
	if _, err := h.st.Transition(store.SystemContext(ctx), id, nil, store.StageCompleted, "model deployed", nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, watchers)
	for i, s := range streams {
		go func() {
			want := int64(2)
			for {
				ev, err := s.Recv()
				if errors.Is(err, io.EOF) {
					if want != events+3 {
						errs <- fmt.Errorf("watcher %d: stream ended before sequence %d", i, want)
						return
					}
					errs <- nil
					return
				}
				if err != nil {
					errs <- fmt.Errorf("watcher %d: Recv = %w", i, err)
					return
				}
				if ev.GetSequence() != want {
					errs <- fmt.Errorf("watcher %d: sequence %d, want %d", i, ev.GetSequence(), want)
					return
				}
				want++
			}
		}()
	}
	for range watchers {
		select {
		case err := <-errs:
			if err != nil {
				t.Error(err)
			}
		case <-ctx.Done():
			t.Fatal("watchers did not all finish within the deadline")
		}
	}
}
