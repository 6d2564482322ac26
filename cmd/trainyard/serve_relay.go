package main

import (
	"strings"

	"github.com/trainyard/trainyard/internal/config"
	"github.com/trainyard/trainyard/internal/queue"
	"github.com/trainyard/trainyard/internal/store"
)

// serveOutbox returns the outbox that serve's relay publishes from. Through a broker every
// message reaches whoever subscribes, so serve relays them all. The in-process queue (mem://)
// reaches only this process: without embedded workers nobody here reads project triggers or
// webhook notifications, and relaying them would mark them published into a queue nobody
// reads, hiding them from the relays of the worker processes that share the database. Serve
// then relays only the topics it consumes itself (batch predictions) and leaves the rest in
// the outbox for the workers.
func serveOutbox(cfg config.Config, st *store.Store, q *queue.Queue) queue.Outbox {
	if cfg.Workers > 0 || !strings.HasPrefix(q.URL(), "mem://") {
		return st
	}
	return st.OutboxOf(st.BatchTopic())
}
