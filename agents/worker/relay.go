package worker

import (
	"strings"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/queue"
)

// relayOutbox returns the outbox the worker's relay publishes from: the topics some worker
// consumes. Batch prediction triggers are left to the relay of `trainyard serve`, which runs the
// jobs and alone knows whether anything reads the topic (see its --batch-subscription-url).
// Through a broker a message reaches its subscribers wherever they run, so the relay publishes
// project triggers and webhooks, which another worker may send. The in-process queue (mem://)
// reaches only this process, and a message this worker does not consume (a webhook when it
// sends none) would be marked published into a queue nobody reads, hiding it from the relay of
// a process that consumes it; there the relay publishes only the topics this worker consumes.
func (w *Worker) relayOutbox() queue.Outbox {
	if !strings.HasPrefix(w.q.URL(), "mem://") {
		return w.st.OutboxOf(w.st.TriggerTopic(), pipeline.WebhookTopic)
	}
	return w.st.OutboxOf(w.topics()...)
}

// topics returns the topics this worker consumes: project triggers, and webhook notifications
// when it sends them.
func (w *Worker) topics() []string {
	if w.sendsWebhooks() {
		return []string{w.st.TriggerTopic(), pipeline.WebhookTopic}
	}
	return []string{w.st.TriggerTopic()}
}
