package server

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/trainyard/trainyard/internal/store"
)

// rateLimiter gives every user a token bucket of perMinute requests refilled evenly over a
// minute. Buckets idle for longer than a minute are full again, so they are dropped.
type rateLimiter struct {
	perMinute int
	now       func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newRateLimiter returns a limiter of perMinute requests per user; 0 disables it.
func newRateLimiter(perMinute int) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when there is none it returns how long until there is.
func (l *rateLimiter) allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// retryAfterSeconds rounds a wait up to whole seconds (at least 1), as Retry-After wants.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// rateLimitError is the ResourceExhausted error of a caller past the limit: it carries a
// RetryInfo detail (which the REST gateway turns into Retry-After) and, for the Connect
// protocol, a Retry-After header.
func rateLimitError(perMinute int, wait time.Duration) *connect.Error {
	secs := retryAfterSeconds(wait)
	err := connect.NewError(connect.CodeResourceExhausted,
		fmt.Errorf("rate limit of %d requests per minute exceeded; retry in %d s", perMinute, secs))
	if d, derr := connect.NewErrorDetail(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Duration(secs) * time.Second)}); derr == nil {
		err.AddDetail(d)
	}
	err.Meta().Set("Retry-After", strconv.Itoa(secs))
	return err
}

// check takes a token for the viewer in ctx.
func (l *rateLimiter) check(ctx context.Context) error {
	v, ok := store.ViewerFrom(ctx)
	if !ok {
		return nil
	}
	if ok, wait := l.allow(v.UserID.String()); !ok {
		return rateLimitError(l.perMinute, wait)
	}
	return nil
}

// rateLimitInterceptor applies the per-user limit after authentication.
type rateLimitInterceptor struct{ l *rateLimiter }

// WrapUnary implements connect.Interceptor.
func (i rateLimitInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if err := i.l.check(ctx); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (rateLimitInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (i rateLimitInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := i.l.check(ctx); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}
