package worker

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"gocloud.dev/pubsub"

	"github.com/trainyard/trainyard/agents/pipeline"
)

// Webhook request headers.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>".
	SignatureHeader = "X-Trainyard-Signature"
	// TimestampHeader carries the Unix time of the signature, to reject replays.
	TimestampHeader = "X-Trainyard-Timestamp"
	// EventHeader carries the event type.
	EventHeader = "X-Trainyard-Event"
)

// Sign returns the signature header value of a webhook body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a received webhook: the signature matches and the timestamp is within
// maxAge of now.
func VerifySignature(secret []byte, header http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(header.Get(TimestampHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook timestamp: %w", err)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("webhook timestamp %d is %s away from now", ts, d)
	}
	if !hmac.Equal([]byte(header.Get(SignatureHeader)), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("webhook signature does not match")
	}
	return nil
}

// subscribeWebhooks opens the subscription of webhook notifications, or returns nil when the
// worker sends none or the subscription cannot be opened (the worker then runs without
// delivering webhooks, and says so).
func (w *Worker) subscribeWebhooks(ctx context.Context) *pubsub.Subscription {
	if !w.sendsWebhooks() {
		return nil
	}
	sub, err := w.q.Subscribe(ctx, pipeline.WebhookTopic, w.opts.WebhookSubscriptionURL)
	if err != nil {
		w.log.Error("webhook delivery", "err", err)
		return nil
	}
	return sub
}

// deliverWebhooks posts the webhook messages of sub until ctx ends.
func (w *Worker) deliverWebhooks(ctx context.Context, sub *pubsub.Subscription) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := sub.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.log.Warn("receive webhook", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		wg.Go(func() {
			defer msg.Ack()
			var m pipeline.WebhookMessage
			if err := json.Unmarshal(msg.Body, &m); err != nil || m.URL == "" {
				w.log.Warn("malformed webhook message")
				return
			}
			if err := w.postWebhook(ctx, m); err != nil {
				w.log.Warn("webhook not delivered", "project", m.Event.ProjectID, "event", m.Event.Type, "err", err)
			}
		})
	}
}

// postWebhook sends one event, retrying failures with exponential backoff.
func (w *Worker) postWebhook(ctx context.Context, m pipeline.WebhookMessage) error {
	body, err := json.Marshal(m.Event)
	if err != nil {
		return err
	}
	backoff := w.opts.WebhookBackoff
	var last error
	for attempt := 1; attempt <= w.opts.WebhookAttempts; attempt++ {
		if last = w.postOnce(ctx, m, body); last == nil {
			w.log.Info("webhook delivered", "project", m.Event.ProjectID, "event", m.Event.Type, "attempt", attempt)
			return nil
		}
		if attempt == w.opts.WebhookAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
	return fmt.Errorf("after %d attempts: %w", w.opts.WebhookAttempts, last)
}

func (w *Worker) postOnce(ctx context.Context, m pipeline.WebhookMessage, body []byte) error {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, m.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(w.opts.WebhookSecret, ts, body))
	req.Header.Set(EventHeader, m.Event.Type)
	resp, err := w.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}
