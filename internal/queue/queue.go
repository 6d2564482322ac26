// Package queue is the work queue between the API and the agent workers, on gocloud.dev/pubsub.
// A queue URL is a base: each topic's URL is the base with the topic name appended, so
// "mem://" gives the in-process topic "mem://projects" and
// "gcppubsub://projects/P/topics/trainyard-" gives "gcppubsub://projects/P/topics/trainyard-projects".
// Messages are only triggers; the database is the source of truth (see Relay).
package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"
)

// Queue publishes to, and subscribes to, the topics under one base URL. It is safe for
// concurrent use. In-process (mem://) topics belong to the Queue: two Queues never share them.
type Queue struct {
	base string
	mux  *pubsub.URLMux

	mu     sync.Mutex
	topics map[string]*pubsub.Topic
	closed bool
}

// Open returns the queue under baseURL. Schemes other than mem:// must be registered on
// gocloud's default URL mux by the binary (for example by importing gocloud.dev/pubsub/gcppubsub).
func Open(ctx context.Context, baseURL string) (*Queue, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("queue url %q: want a URL such as mem:// or gcppubsub://projects/P/topics/PREFIX", baseURL)
	}
	mux := pubsub.DefaultURLMux()
	if u.Scheme == mempubsub.Scheme {
		mux = new(pubsub.URLMux)
		opener := new(mempubsub.URLOpener)
		mux.RegisterTopic(mempubsub.Scheme, opener)
		mux.RegisterSubscription(mempubsub.Scheme, opener)
	} else if m := cloudMux(u.Scheme); m != nil {
		mux = m // gcppubsub:// (gcp.go) and nats:// (nats.go): this package's own drivers
	} else if !mux.ValidTopicScheme(u.Scheme) {
		return nil, fmt.Errorf("queue url %q: scheme %q is not supported by this build", baseURL, u.Scheme)
	}
	return &Queue{base: baseURL, mux: mux, topics: map[string]*pubsub.Topic{}}, nil
}

// URL returns the base URL the queue was opened with.
func (q *Queue) URL() string { return q.base }

// topicURL returns the URL of the named topic.
func (q *Queue) topicURL(name string) string {
	if q.base == "mem://" || strings.HasSuffix(q.base, "/") || strings.HasSuffix(q.base, "-") {
		return q.base + name
	}
	return q.base + "-" + name
}

// topic returns the open topic called name, opening it on first use.
func (q *Queue) topic(ctx context.Context, name string) (*pubsub.Topic, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil, errors.New("queue is closed")
	}
	if t := q.topics[name]; t != nil {
		return t, nil
	}
	t, err := q.mux.OpenTopic(ctx, q.topicURL(name))
	if err != nil {
		return nil, fmt.Errorf("open topic %q: %w", name, err)
	}
	q.topics[name] = t
	return t, nil
}

// Publish sends body with metadata to the topic called name.
func (q *Queue) Publish(ctx context.Context, name string, body []byte, metadata map[string]string) error {
	t, err := q.topic(ctx, name)
	if err != nil {
		return err
	}
	if err := t.Send(ctx, &pubsub.Message{Body: body, Metadata: metadata}); err != nil {
		return fmt.Errorf("publish to %q: %w", name, err)
	}
	return nil
}

// Subscribe opens a subscription. For mem:// it receives every message published to the topic
// called name after this call; for other schemes subscriptionURL names the broker's
// subscription (for example gcppubsub://projects/P/subscriptions/S) and name is ignored.
func (q *Queue) Subscribe(ctx context.Context, name, subscriptionURL string) (*pubsub.Subscription, error) {
	if subscriptionURL == "" {
		if !strings.HasPrefix(q.base, mempubsub.Scheme+"://") {
			return nil, fmt.Errorf("subscribe to %q: a subscription URL is needed for %s", name, q.base)
		}
		if _, err := q.topic(ctx, name); err != nil { // a mem subscription needs its topic
			return nil, err
		}
		subscriptionURL = q.topicURL(name)
	}
	s, err := q.mux.OpenSubscription(ctx, subscriptionURL)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %q: %w", name, err)
	}
	return s, nil
}

// Close flushes and closes every open topic.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	var errs []error
	for name, t := range q.topics {
		if err := t.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close topic %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
