package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	"gocloud.dev/pubsub/driver"
)

// NATSScheme is the scheme of NATS queue URLs: nats://HOST:PORT/PREFIX as the queue's base
// (topic "projects" is then the subject PREFIXprojects) and nats://HOST:PORT/SUBJECT?queue=GROUP
// for a subscription, where workers sharing GROUP (default trainyard-workers) split the
// messages between them.
//
// Core NATS delivers at most once, without acknowledgements: a trigger that is lost (no
// worker connected, a worker that dies holding it) is recovered by the workers' sweeper,
// which re-triggers projects from the database, the source of truth.
const NATSScheme = "nats"

// defaultQueueGroup is the queue group of subscriptions that name none.
const defaultQueueGroup = "trainyard-workers"

// natsOpener opens topics and subscriptions on NATS servers, one connection per server.
type natsOpener struct {
	mu    sync.Mutex
	conns map[string]*nats.Conn
}

// conn returns the connection to the server of u.
func (o *natsOpener) conn(u *url.URL) (*nats.Conn, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("nats url %q has no server", u.Redacted())
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.conns[u.Host]; c != nil && !c.IsClosed() {
		return c, nil
	}
	server := url.URL{Scheme: NATSScheme, Host: u.Host, User: u.User}
	c, err := nats.Connect(server.String(), nats.Name("trainyard"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", u.Host, err)
	}
	o.conns[u.Host] = c
	return c, nil
}

// subject returns the subject in u's path.
func subject(u *url.URL) (string, error) {
	s := strings.TrimPrefix(u.Path, "/")
	if s == "" || strings.ContainsAny(s, " \t\r\n*>") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return "", fmt.Errorf("nats url %q: want a subject such as nats://HOST:4222/trainyard-projects", u.Redacted())
	}
	return s, nil
}

// OpenTopicURL opens a topic publishing to the URL's subject.
func (o *natsOpener) OpenTopicURL(_ context.Context, u *url.URL) (*pubsub.Topic, error) {
	subj, err := subject(u)
	if err != nil {
		return nil, err
	}
	c, err := o.conn(u)
	if err != nil {
		return nil, err
	}
	return pubsub.NewTopic(&natsTopic{conn: c, subject: subj}, &batcher.Options{MaxBatchSize: 100, MaxHandlers: 2}), nil
}

// OpenSubscriptionURL opens a queue-group subscription to the URL's subject.
func (o *natsOpener) OpenSubscriptionURL(_ context.Context, u *url.URL) (*pubsub.Subscription, error) {
	subj, err := subject(u)
	if err != nil {
		return nil, err
	}
	group := u.Query().Get("queue")
	if group == "" {
		group = defaultQueueGroup
	}
	c, err := o.conn(u)
	if err != nil {
		return nil, err
	}
	sub, err := c.QueueSubscribeSync(subj, group)
	if err != nil {
		return nil, fmt.Errorf("subscribe to nats subject %s: %w", subj, err)
	}
	if err := c.Flush(); err != nil { // the server knows the subscription before we return
		return nil, err
	}
	return pubsub.NewSubscription(&natsSubscription{sub: sub},
		&batcher.Options{MaxBatchSize: 100, MaxHandlers: 1}, &batcher.Options{MaxBatchSize: 1000, MaxHandlers: 1}), nil
}

// natsTopic publishes to one subject, metadata as headers.
type natsTopic struct {
	conn    *nats.Conn
	subject string
}

// SendBatch publishes the messages and waits until the server has them.
func (t *natsTopic) SendBatch(ctx context.Context, dms []*driver.Message) error {
	for _, dm := range dms {
		m := nats.NewMsg(t.subject)
		m.Data = dm.Body
		for k, v := range dm.Metadata {
			m.Header.Set(k, v)
		}
		if err := t.conn.PublishMsg(m); err != nil {
			return err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		return t.conn.FlushTimeout(10 * time.Second)
	}
	return t.conn.FlushWithContext(ctx)
}

// IsRetryable reports whether a publish error is worth retrying.
func (*natsTopic) IsRetryable(err error) bool {
	return errors.Is(err, nats.ErrReconnectBufExceeded) || errors.Is(err, nats.ErrTimeout)
}

// As exposes the *nats.Conn.
func (t *natsTopic) As(i any) bool {
	c, ok := i.(**nats.Conn)
	if ok {
		*c = t.conn
	}
	return ok
}

// ErrorAs exposes nothing.
func (*natsTopic) ErrorAs(error, any) bool { return false }

// ErrorCode maps NATS errors to gocloud's.
func (*natsTopic) ErrorCode(err error) gcerrors.ErrorCode { return natsCode(err) }

// Close does nothing; the opener owns the connection.
func (*natsTopic) Close() error { return nil }

// natsSubscription receives from a queue-group subscription.
type natsSubscription struct {
	sub *nats.Subscription
	ids atomic.Int64
}

// ReceiveBatch waits up to a second for a message, then takes what else is pending.
func (s *natsSubscription) ReceiveBatch(ctx context.Context, max int) ([]*driver.Message, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	m, err := s.sub.NextMsgWithContext(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, nil
		}
		return nil, err
	}
	out := []*driver.Message{s.convert(m)}
	for len(out) < max {
		if n, _, _ := s.sub.Pending(); n == 0 {
			break
		}
		m, err := s.sub.NextMsg(10 * time.Millisecond)
		if err != nil {
			break
		}
		out = append(out, s.convert(m))
	}
	return out, nil
}

// convert turns a NATS message into a driver message.
func (s *natsSubscription) convert(m *nats.Msg) *driver.Message {
	md := map[string]string{}
	for k := range m.Header {
		md[k] = m.Header.Get(k)
	}
	return &driver.Message{
		Body: m.Data, Metadata: md, AckID: s.ids.Add(1),
		AsFunc: func(i any) bool {
			p, ok := i.(**nats.Msg)
			if ok {
				*p = m
			}
			return ok
		},
	}
}

// SendAcks does nothing: core NATS has no acknowledgements.
func (*natsSubscription) SendAcks(context.Context, []driver.AckID) error { return nil }

// CanNack reports false.
func (*natsSubscription) CanNack() bool { return false }

// SendNacks is never called (CanNack is false).
func (*natsSubscription) SendNacks(context.Context, []driver.AckID) error { return nil }

// IsRetryable reports whether a receive error is worth retrying.
func (*natsSubscription) IsRetryable(err error) bool { return errors.Is(err, nats.ErrTimeout) }

// As exposes the *nats.Subscription.
func (s *natsSubscription) As(i any) bool {
	p, ok := i.(**nats.Subscription)
	if ok {
		*p = s.sub
	}
	return ok
}

// ErrorAs exposes nothing.
func (*natsSubscription) ErrorAs(error, any) bool { return false }

// ErrorCode maps NATS errors to gocloud's.
func (*natsSubscription) ErrorCode(err error) gcerrors.ErrorCode { return natsCode(err) }

// Close unsubscribes.
func (s *natsSubscription) Close() error { return s.sub.Unsubscribe() }

// natsCode maps NATS errors to gocloud's codes.
func natsCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, nats.ErrBadSubject), errors.Is(err, nats.ErrMaxPayload):
		return gcerrors.InvalidArgument
	case errors.Is(err, nats.ErrTimeout):
		return gcerrors.DeadlineExceeded
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrBadSubscription):
		return gcerrors.FailedPrecondition
	case errors.Is(err, nats.ErrAuthorization):
		return gcerrors.PermissionDenied
	}
	return gcerrors.Unknown
}
