package reasoner

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultTimeout bounds one decision of a guarded reasoner.
const DefaultTimeout = 30 * time.Second

// Guard asks Primary and checks its answer with Validate. When Primary fails,
// answers out of schema, names something the data does not have, or takes
// longer than Timeout, Guard answers with Fallback instead and records it as
// "rules (fallback from NAME: WHY)". A caller's own cancellation is returned
// as an error, not hidden behind a fallback. A primary that ignores its
// context runs on in the background until it returns; its late answer is
// dropped.
type Guard struct {
	// Primary is the preferred reasoner.
	Primary Reasoner
	// Fallback answers when Primary cannot; usually Rules.
	Fallback Reasoner
	// Timeout bounds Primary; 0 means DefaultTimeout.
	Timeout time.Duration
}

// NewGuard guards primary with the rules and the default timeout.
func NewGuard(primary Reasoner) *Guard {
	return &Guard{Primary: primary, Fallback: Rules{}, Timeout: DefaultTimeout}
}

// Name returns the primary reasoner's name.
func (g *Guard) Name() string { return g.Primary.Name() }

// Decide asks Primary, validates, and falls back when needed.
func (g *Guard) Decide(ctx context.Context, req Request) (Answer, error) {
	ans, err := g.ask(ctx, req)
	if err == nil {
		if err = Validate(req, ans); err == nil {
			if ans.Reasoner == "" {
				ans.Reasoner = g.Primary.Name()
			}
			return ans, nil
		}
	}
	if ctx.Err() != nil {
		return Answer{}, ctx.Err()
	}
	fb, ferr := g.Fallback.Decide(ctx, req)
	if ferr != nil {
		return Answer{}, fmt.Errorf("%s failed (%v) and so did %s: %w", g.Primary.Name(), err, g.Fallback.Name(), ferr)
	}
	fb.Reasoner = fmt.Sprintf("%s (fallback from %s: %s)", g.Fallback.Name(), g.Primary.Name(), errText(err))
	return fb, nil
}

// ask runs Primary under the timeout. It returns when the timeout passes even
// if Primary ignores its context; the late answer is discarded.
func (g *Guard) ask(ctx context.Context, req Request) (Answer, error) {
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		ans Answer
		err error
	}
	done := make(chan result, 1)
	go func() {
		ans, err := g.Primary.Decide(tctx, req)
		done <- result{ans, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && errors.Is(r.err, context.DeadlineExceeded) && ctx.Err() == nil {
			return Answer{}, fmt.Errorf("no answer within %v", timeout)
		}
		return r.ans, r.err
	case <-tctx.Done():
		if ctx.Err() != nil {
			return Answer{}, ctx.Err()
		}
		return Answer{}, fmt.Errorf("no answer within %v", timeout)
	}
}

// errText shortens an error for the reasoner field.
func errText(err error) string {
	s := err.Error()
	if errors.Is(err, ErrInvalidAnswer) {
		s = s[:len(s)-len(": "+ErrInvalidAnswer.Error())]
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
