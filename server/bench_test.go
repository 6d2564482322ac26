package server_test

import (
	"context"
	"testing"

	"github.com/trainyard/trainyard/internal/store"
)

// BenchmarkGetProject measures one authenticated GetProject through the whole chain (auth
// against the store, rate limit, access, validation, store read) per protocol, on SQLite.
func BenchmarkGetProject(b *testing.B) {
	h := newHarness(b, backends[0].url(b), options{maxActive: 5})
	u := h.newUser("bench@example.com", store.RoleMember)
	for _, name := range []string{"connect", "grpc", "rest"} {
		c := h.protocols()[name]
		p, err := c.CreateProject(context.Background(), u.key, submission(h.newDataset(u), "predict churn"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.GetProject(ctx, u.key, p.GetName()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
