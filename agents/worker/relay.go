package worker

import (
	"strings"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/internal/queue"
)

// relayOutbox returns the outbox the worker's relay publishes from. Through a broker a message
// reaches its subscribers wherever they run, so the relay publishes every topic. The in-process
// queue (mem://) reaches only this process, and a message of a topic this worker does not
// consume (a batch prediction trigger, or a webhook when it sends none) would be marked
// published into a queue nobody reads, hiding it from the relay of the process that consumes
// it (`trainyard serve` runs batch predictions). There the relay publishes only the topics
// this worker consumes and leaves the others in the outbox.
func (w *Worker) relayOutbox() queue.Outbox {
	if !strings.HasPrefix(w.q.URL(), "mem://") {
		return w.st
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
