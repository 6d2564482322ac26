package server_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// appendLog appends a LOG event to the project as the pipeline would.
func appendLog(t *testing.T, st *store.Store, id uuid.UUID, msg string) {
	t.Helper()
	if _, err := st.AppendProgress(store.SystemContext(context.Background()), id, store.NewProgress{
		Kind: store.EventLog, Message: msg, Payload: []byte(`{"level":"info"}`),
	}); err != nil {
		t.Fatalf("AppendProgress(%q) = %v", msg, err)
	}
}

// received is what the test checks of an event.
type received struct {
	Seq   int64
	Stage trainyardv1.PipelineStage
	Text  string
}

func summarize(ev *trainyardv1.ProgressEvent) received {
	r := received{Seq: ev.GetSequence(), Stage: ev.GetStage()}
	switch {
	case ev.GetLog() != nil:
		r.Text = "log: " + ev.GetLog().GetMessage()
	case ev.GetStageChange() != nil:
		r.Text = "stage: " + ev.GetStageChange().GetMessage()
	case ev.GetDecision() != nil:
		r.Text = "decision: " + ev.GetDecision().GetDecision()
	case ev.GetProgress() != nil:
		r.Text = "progress: " + ev.GetProgress().GetMessage()
	}
	return r
}

// recvTimeout receives one event or fails after 10 s.
func recvTimeout(t *testing.T, s eventStream) (*trainyardv1.ProgressEvent, error) {
	t.Helper()
	type result struct {
		ev  *trainyardv1.ProgressEvent
		err error
	}
	ch := make(chan result, 1)
	go func() {
		ev, err := s.Recv()
		ch <- result{ev, err}
	}()
	select {
	case r := <-ch:
		return r.ev, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
		return nil, nil
	}
}

func TestWatchProject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL string) {
		h := newHarness(t, dbURL, options{maxActive: 100})
		h.forEachProtocol(t, func(t *testing.T, c client) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			u := h.newUser("watcher-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
			p, err := c.CreateProject(ctx, u.key, submission(h.newDataset(u), "predict churn"))
			if err != nil {
				t.Fatal(err)
			}
			id := uuid.MustParse(p.GetId())
			appendLog(t, h.st, id, "read 10 rows")
			appendLog(t, h.st, id, "target is churn")

			s, err := c.Watch(ctx, u.key, &trainyardv1.WatchProjectRequest{Name: p.GetName()})
			if err != nil {
				t.Fatalf("WatchProject = %v", err)
			}
			var got []received
			for range 3 { // replay
				ev, err := recvTimeout(t, s)
				if err != nil {
					t.Fatalf("Recv (replay) = %v", err)
				}
				got = append(got, summarize(ev))
			}
			// Live tail: events appended after the watch started.
			appendLog(t, h.st, id, "profiling")
			ev, err := recvTimeout(t, s)
			if err != nil {
				t.Fatalf("Recv (live) = %v", err)
			}
			got = append(got, summarize(ev))
			if _, err := h.st.Transition(store.SystemContext(ctx), id, nil, store.StageCompleted, "model deployed", nil); err != nil {
				t.Fatal(err)
			}
			ev, err = recvTimeout(t, s)
			if err != nil {
				t.Fatalf("Recv (terminal) = %v", err)
			}
			got = append(got, summarize(ev))
			if _, err := recvTimeout(t, s); !errors.Is(err, io.EOF) {
				t.Errorf("Recv after the terminal event = %v, want a clean end (OK)", err)
			}
			analyzing, completed := trainyardv1.PipelineStage_PIPELINE_STAGE_ANALYZING, trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED
			want := []received{
				{1, analyzing, "stage: project created"},
				{2, analyzing, "log: read 10 rows"},
				{3, analyzing, "log: target is churn"},
				{4, analyzing, "log: profiling"},
				{5, completed, "stage: model deployed"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("WatchProject events (-want +got):\n%s", diff)
			}

			// Resuming after sequence 3 replays only the rest, then ends.
			s, err = c.Watch(ctx, u.key, &trainyardv1.WatchProjectRequest{Name: p.GetName(), AfterSequence: 3})
			if err != nil {
				t.Fatal(err)
			}
			var resumed []int64
			for {
				ev, err := recvTimeout(t, s)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("Recv (resumed) = %v", err)
				}
				resumed = append(resumed, ev.GetSequence())
			}
			if diff := cmp.Diff([]int64{4, 5}, resumed); diff != "" {
				t.Errorf("WatchProject(after 3) sequences (-want +got):\n%s", diff)
			}
			// Watching a finished project from its end ends at once.
			s, err = c.Watch(ctx, u.key, &trainyardv1.WatchProjectRequest{Name: p.GetName(), AfterSequence: 5})
			if err == nil {
				_, err = recvTimeout(t, s)
			}
			if !errors.Is(err, io.EOF) {
				t.Errorf("WatchProject(after the terminal event) = %v, want a clean, empty stream", err)
			}
			// Another user's project is NotFound.
			other := h.newUser("nosy-"+uuid.NewString()[:8]+"@example.com", store.RoleMember)
			s, err = c.Watch(ctx, other.key, &trainyardv1.WatchProjectRequest{Name: p.GetName()})
			if err == nil {
				_, err = recvTimeout(t, s)
			}
			if codeOf(err) != connect.CodeNotFound {
				t.Errorf("WatchProject(someone else's project) = %v, want NotFound", err)
			}
		})
	})
}

func TestShutdownEndsStreams(t *testing.T) {
	h := newHarness(t, backends[0].url(t), options{maxActive: 100})
	u := h.newUser("alice@example.com", store.RoleMember)
	ds := h.newDataset(u)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	streams := map[string]eventStream{}
	for name, c := range h.protocols() {
		p, err := c.CreateProject(ctx, u.key, submission(ds, "predict churn via "+name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Watch(ctx, u.key, &trainyardv1.WatchProjectRequest{Name: p.GetName()})
		if err != nil {
			t.Fatalf("%s: WatchProject = %v", name, err)
		}
		if _, err := recvTimeout(t, s); err != nil {
			t.Fatalf("%s: first event = %v", name, err)
		}
		streams[name] = s
	}
	start := time.Now()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := h.srv.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown with open streams = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Shutdown took %v with open streams, want them ended promptly", d)
	}
	for name, s := range streams {
		_, err := recvTimeout(t, s)
		if codeOf(err) != connect.CodeUnavailable {
			t.Errorf("%s: stream after Shutdown = %v, want Unavailable (reconnect)", name, err)
		}
	}
	if err := <-h.serve; err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}
