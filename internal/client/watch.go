package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// Terminal reports whether a project in stage s is done (completed, failed or cancelled).
func Terminal(s trainyardv1.PipelineStage) bool {
	return s == trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED ||
		s == trainyardv1.PipelineStage_PIPELINE_STAGE_FAILED ||
		s == trainyardv1.PipelineStage_PIPELINE_STAGE_CANCELLED
}

// WatchHooks observe a watch besides its events.
type WatchHooks struct {
	// Reconnect is called before each reconnect after a dropped stream, with the error and the
	// cursor the watch resumes from.
	Reconnect func(err error, after int64)
}

// Watch streams the project's events with a sequence above after to fn, in order, until the
// terminal event, fn's error or ctx's end. A stream that drops (connection lost, server
// restarting) is reopened from the last sequence seen, so fn sees every event exactly once.
// Watch returns the last sequence seen.
func (c *Client) Watch(ctx context.Context, project string, after int64, hooks WatchHooks, fn func(*trainyardv1.ProgressEvent) error) (int64, error) {
	name := ProjectName(project)
	start := after
	pause := c.retry
	failures := 0
	for {
		done, err := c.watchOnce(ctx, name, &after, fn, &failures)
		if done {
			return after, nil
		}
		var stop *stopError
		if errors.As(err, &stop) {
			return after, stop.err
		}
		if err == nil {
			// The server ended the stream without a terminal event (draining for a restart).
			err = connect.NewError(connect.CodeUnavailable, fmt.Errorf("the stream ended before the project finished"))
		}
		if ctx.Err() != nil {
			return after, ctx.Err()
		}
		if !retryable(err) || (after == start && isUnreachable(err)) {
			// A server that was never reached is a wrong URL, not a dropped stream.
			return after, c.Explain(err)
		}
		if failures > 0 {
			pause = c.retry
		}
		failures++
		if failures > c.maxReconnects {
			return after, fmt.Errorf("watch %s: gave up after %d reconnects: %w", name, c.maxReconnects, c.Explain(err))
		}
		if hooks.Reconnect != nil {
			hooks.Reconnect(err, after)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return after, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, c.retryMax)
	}
}

// watchOnce opens one stream from *after and feeds fn; it reports whether the stream ended
// normally after an event in a terminal stage. failures is reset when an event arrives.
func (c *Client) watchOnce(ctx context.Context, name string, after *int64, fn func(*trainyardv1.ProgressEvent) error, failures *int) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Projects.WatchProject(ctx, &trainyardv1.WatchProjectRequest{Name: name, AfterSequence: *after})
	if err != nil {
		return false, err
	}
	defer stream.Close()
	terminal := false
	for stream.Receive() {
		ev := stream.Msg()
		if ev.GetSequence() <= *after {
			continue // a replayed event we already passed on
		}
		*after = ev.GetSequence()
		*failures = 0
		if err := fn(ev); err != nil {
			return false, &stopError{err}
		}
		terminal = Terminal(ev.GetStage())
	}
	if err := stream.Err(); err != nil {
		return false, err
	}
	return terminal, nil
}

// stopError carries fn's own error out of a watch unchanged.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// ProjectName returns "projects/{id}" for an id or a name.
func ProjectName(id string) string { return withPrefix("projects/", id) }

// ModelName returns "models/{id}" for an id or a name.
func ModelName(id string) string { return withPrefix("models/", id) }

// DatasetName returns "datasets/{id}" for an id or a name.
func DatasetName(id string) string { return withPrefix("datasets/", id) }

func withPrefix(prefix, id string) string {
	if len(id) >= len(prefix) && id[:len(prefix)] == prefix {
		return id
	}
	return prefix + id
}
