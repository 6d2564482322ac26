package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	raw "cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"github.com/nats-io/nats.go"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	"gocloud.dev/pubsub/driver"
	"gocloud.dev/pubsub/gcppubsubv2"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// GCPScheme is the scheme of Google Cloud Pub/Sub queue URLs:
// gcppubsub://projects/P/topics/PREFIX for topics and
// gcppubsub://projects/P/subscriptions/S for subscriptions.
const GCPScheme = "gcppubsub"

// OrderingKeyMetadata is the metadata key whose value becomes a Pub/Sub message's ordering
// key (the relay sets it to the project id), so one project's triggers arrive in order.
const OrderingKeyMetadata = "ordering_key"

// cloudMux returns a private URL mux for the schemes this package opens itself, or nil.
func cloudMux(scheme string) *pubsub.URLMux {
	mux := new(pubsub.URLMux)
	switch scheme {
	case GCPScheme:
		o := &gcpOpener{clients: map[string]*raw.Client{}}
		mux.RegisterTopic(GCPScheme, o)
		mux.RegisterSubscription(GCPScheme, o)
	case NATSScheme:
		o := &natsOpener{conns: map[string]*nats.Conn{}}
		mux.RegisterTopic(NATSScheme, o)
		mux.RegisterSubscription(NATSScheme, o)
	default:
		return nil
	}
	return mux
}

// gcpOpener opens Pub/Sub topics and subscriptions with cloud.google.com/go/pubsub/v2, one
// client per project, with the application default credentials (or the emulator named by
// PUBSUB_EMULATOR_HOST).
type gcpOpener struct {
	opts    []option.ClientOption
	mu      sync.Mutex
	clients map[string]*raw.Client
}

// client returns the client of project.
func (o *gcpOpener) client(ctx context.Context, project string) (*raw.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.clients[project]; c != nil {
		return c, nil
	}
	c, err := raw.NewClient(ctx, project, o.opts...)
	if err != nil {
		return nil, fmt.Errorf("pubsub client for %s: %w", project, err)
	}
	o.clients[project] = c
	return c, nil
}

// splitPath parses projects/P/KIND/NAME from a URL.
func splitPath(u *url.URL, kind string) (project, name string, err error) {
	parts := strings.Split(strings.Trim(u.Host+u.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "projects" || parts[2] != kind || parts[1] == "" || parts[3] == "" {
		return "", "", fmt.Errorf("%s://%s%s: want %s://projects/P/%s/NAME", u.Scheme, u.Host, u.Path, GCPScheme, kind)
	}
	return parts[1], parts[3], nil
}

// OpenTopicURL opens a topic that publishes with message ordering.
func (o *gcpOpener) OpenTopicURL(ctx context.Context, u *url.URL) (*pubsub.Topic, error) {
	project, name, err := splitPath(u, "topics")
	if err != nil {
		return nil, err
	}
	c, err := o.client(ctx, project)
	if err != nil {
		return nil, err
	}
	p := c.Publisher(name)
	p.EnableMessageOrdering = true
	return pubsub.NewTopic(&gcpTopic{pub: p}, &batcher.Options{MaxBatchSize: 1, MaxHandlers: 100}), nil
}

// OpenSubscriptionURL opens a subscription through gocloud's Pub/Sub v2 driver.
func (o *gcpOpener) OpenSubscriptionURL(ctx context.Context, u *url.URL) (*pubsub.Subscription, error) {
	project, name, err := splitPath(u, "subscriptions")
	if err != nil {
		return nil, err
	}
	c, err := o.client(ctx, project)
	if err != nil {
		return nil, err
	}
	return gcppubsubv2.OpenSubscription(c, name, nil), nil
}

// gcpTopic is a gocloud driver.Topic that publishes with an ordering key taken from the
// message's metadata.
type gcpTopic struct{ pub *raw.Publisher }

// SendBatch publishes the messages and waits for the server's acknowledgement.
func (t *gcpTopic) SendBatch(ctx context.Context, dms []*driver.Message) error {
	results := make([]*raw.PublishResult, len(dms))
	keys := make([]string, len(dms))
	for i, dm := range dms {
		attrs := make(map[string]string, len(dm.Metadata))
		for k, v := range dm.Metadata {
			if k == OrderingKeyMetadata {
				keys[i] = v
				continue
			}
			attrs[k] = v
		}
		results[i] = t.pub.Publish(ctx, &raw.Message{Data: dm.Body, Attributes: attrs, OrderingKey: keys[i]})
	}
	var errs []error
	for i, r := range results {
		if _, err := r.Get(ctx); err != nil {
			if keys[i] != "" {
				t.pub.ResumePublish(keys[i]) // a failed key pauses until resumed; the caller retries
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// IsRetryable reports false: the client library retries by itself.
func (*gcpTopic) IsRetryable(error) bool { return false }

// As exposes the *raw.Publisher.
func (t *gcpTopic) As(i any) bool {
	p, ok := i.(**raw.Publisher)
	if ok {
		*p = t.pub
	}
	return ok
}

// ErrorAs exposes gRPC statuses.
func (*gcpTopic) ErrorAs(err error, i any) bool {
	s, ok := status.FromError(err)
	p, ok2 := i.(**status.Status)
	if !ok || !ok2 {
		return false
	}
	*p = s
	return true
}

// ErrorCode maps gRPC codes to gocloud's.
func (*gcpTopic) ErrorCode(err error) gcerrors.ErrorCode {
	switch status.Code(err) {
	case codes.NotFound:
		return gcerrors.NotFound
	case codes.PermissionDenied:
		return gcerrors.PermissionDenied
	case codes.InvalidArgument:
		return gcerrors.InvalidArgument
	case codes.ResourceExhausted:
		return gcerrors.ResourceExhausted
	case codes.DeadlineExceeded:
		return gcerrors.DeadlineExceeded
	case codes.Canceled:
		return gcerrors.Canceled
	}
	return gcerrors.Unknown
}

// Close flushes the publisher.
func (t *gcpTopic) Close() error {
	t.pub.Stop()
	return nil
}

// GCPLayout names what ProvisionGCP creates.
type GCPLayout struct {
	// Project is the Google Cloud project.
	Project string
	// Topic is the trigger topic's ID (the queue URL's prefix plus the topic name, such as
	// trainyard-projects).
	Topic string
	// Subscription is the workers' subscription ID.
	Subscription string
	// MaxDeliveries is how many deliveries a message gets before it goes to the dead-letter
	// topic (Pub/Sub allows 5 to 100; default 5).
	MaxDeliveries int32
	// AckDeadline is how long a worker holds a message before Pub/Sub redelivers it
	// (default 60s; the client extends it while a stage runs).
	AckDeadline time.Duration
}

// DeadLetterTopic returns the ID of the dead-letter topic: the topic's ID with -dead.
func (l GCPLayout) DeadLetterTopic() string { return l.Topic + "-dead" }

// ProvisionGCP creates, if missing, the trigger topic, its dead-letter topic with a
// subscription that keeps dead messages (TOPIC-dead-sub), and the workers' subscription with
// message ordering, the dead-letter policy and retry backoff. Pub/Sub's service account also
// needs publisher rights on the dead-letter topic and subscriber rights on the subscription
// (see README, "Running on Google Cloud").
func ProvisionGCP(ctx context.Context, c *raw.Client, l GCPLayout) error {
	if l.MaxDeliveries == 0 {
		l.MaxDeliveries = 5
	}
	if l.AckDeadline == 0 {
		l.AckDeadline = time.Minute
	}
	topic := "projects/" + l.Project + "/topics/" + l.Topic
	dead := "projects/" + l.Project + "/topics/" + l.DeadLetterTopic()
	for _, name := range []string{topic, dead} {
		if _, err := c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: name}); err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
	}
	subs := []*pubsubpb.Subscription{
		{Name: "projects/" + l.Project + "/subscriptions/" + l.DeadLetterTopic() + "-sub", Topic: dead, AckDeadlineSeconds: 60},
		{
			Name: "projects/" + l.Project + "/subscriptions/" + l.Subscription, Topic: topic,
			AckDeadlineSeconds:    int32(l.AckDeadline / time.Second),
			EnableMessageOrdering: true,
			DeadLetterPolicy:      &pubsubpb.DeadLetterPolicy{DeadLetterTopic: dead, MaxDeliveryAttempts: l.MaxDeliveries},
			RetryPolicy:           &pubsubpb.RetryPolicy{MinimumBackoff: durationpb.New(10 * time.Second), MaximumBackoff: durationpb.New(10 * time.Minute)},
		},
	}
	for _, s := range subs {
		if _, err := c.SubscriptionAdminClient.CreateSubscription(ctx, s); err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create subscription %s: %w", s.Name, err)
		}
	}
	return nil
}
