// Package queuetest runs, for tests, the message broker that queue URLs such as
// nats://HOST:PORT/PREFIX reach: a real NATS server inside the test process.
package queuetest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS runs a NATS server on a free local port until the test ends and returns its client
// URL, nats://127.0.0.1:PORT.
func NATS(t testing.TB) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats server not ready")
	}
	return ns.ClientURL()
}
