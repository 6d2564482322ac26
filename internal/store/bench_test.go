package store

import (
	"context"
	"fmt"
	"testing"
)

func BenchmarkStore(b *testing.B) {
	for _, bk := range backends() {
		b.Run(bk.name, func(b *testing.B) {
			f := newFixture(b, openTest(b, bk.url(b)))
			p := f.project(b, f.ctxA, f.dsA.ID, "bench")
			b.Run("AppendProgress", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := f.s.AppendProgress(f.sys, p.ID, NewProgress{Kind: EventLog, Message: fmt.Sprint(i)}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ListProgress100", func(b *testing.B) {
				for b.Loop() {
					if evs, err := f.s.ListProgress(f.ctxA, p.ID, 0, 100); err != nil || len(evs) != 100 {
						b.Fatal(len(evs), err)
					}
				}
			})
			secret, _, err := f.s.CreateAPIKey(f.sys, NewAPIKey{OwnerID: f.a.ID, Role: RoleMember})
			if err != nil {
				b.Fatal(err)
			}
			b.Run("Authenticate", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := f.s.Authenticate(context.Background(), secret); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("CreateProject", func(b *testing.B) {
				for b.Loop() {
					f.project(b, f.ctxA, f.dsA.ID, "bench")
				}
			})
			b.Run("ListProjects50", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := f.s.ListProjects(f.ctxA, ProjectFilter{}, PageRequest{Size: 50}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
