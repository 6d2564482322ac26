package vertex

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Backoff spaces the polls of a job, pipeline or operation: Initial after the first look,
// growing by Multiplier up to Max. A poll that fails with a transient error (Unavailable,
// DeadlineExceeded, ResourceExhausted, Internal, Aborted) is retried on the same schedule, up
// to MaxTransient failures in a row.
type Backoff struct {
	// Initial is the first wait (default 5s).
	Initial time.Duration
	// Max caps the wait (default 2m).
	Max time.Duration
	// Multiplier grows the wait (default 1.5).
	Multiplier float64
	// MaxTransient is how many transient errors in a row end the wait (default 8).
	MaxTransient int
}

// withDefaults fills the zero fields.
func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 5 * time.Second
	}
	if b.Max <= 0 {
		b.Max = 2 * time.Minute
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Multiplier < 1 {
		b.Multiplier = 1.5
	}
	if b.MaxTransient <= 0 {
		b.MaxTransient = 8
	}
	return b
}

// transient reports whether a polling error is worth retrying.
func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Internal, codes.Aborted:
		return true
	}
	return false
}

// poll calls look until it reports done, waiting between calls by b. It returns look's
// permanent error, the last transient one after too many in a row, or ctx's error.
func (b Backoff) poll(ctx context.Context, what string, look func(context.Context) (bool, error)) error {
	wait := b.Initial
	failures := 0
	for {
		done, err := look(ctx)
		switch {
		case err == nil && done:
			return nil
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !transient(err):
			return fmt.Errorf("poll %s: %w", what, err)
		case err != nil:
			failures++
			if failures >= b.MaxTransient {
				return fmt.Errorf("poll %s: %d transient errors in a row, the last: %w", what, failures, err)
			}
		default:
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(time.Duration(float64(wait)*b.Multiplier), b.Max)
	}
}

// operation is what every generated long-running operation wrapper offers.
type operation interface {
	Done() bool
	Name() string
}

// waitOp polls a long-running operation with pollOnce (the wrapper's Poll) until it is done,
// returning the operation's own error (the server's status) if it failed.
func (b Backoff) waitOp(ctx context.Context, op operation, pollOnce func(context.Context) error) error {
	var opErr error
	err := b.poll(ctx, "operation "+op.Name(), func(ctx context.Context) (bool, error) {
		if err := pollOnce(ctx); err != nil {
			if op.Done() { // the operation finished with an error status
				opErr = err
				return true, nil
			}
			return false, err
		}
		return op.Done(), nil
	})
	if err != nil {
		return err
	}
	return opErr
}
