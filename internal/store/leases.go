package store

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/project"
)

// ErrLeaseLost is returned (wrapping ErrConflict) when a worker no longer holds a project's
// lease: it expired and another worker took it, or the project was released.
var ErrLeaseLost = &Error{Kind: ErrConflict, Msg: "lease lost"}

// ClaimProject leases a project to worker until now+ttl when nobody holds it, the lease expired,
// or worker already holds it, and counts the attempt. ok is false when another worker holds a
// live lease. A finished project, or one awaiting approval, is ErrFailedPrecondition. Needs the
// system viewer.
func (s *Store) ClaimProject(ctx context.Context, id uuid.UUID, worker string, ttl time.Duration) (p *ent.Project, ok bool, err error) {
	now := nowUTC()
	n, err := s.client.Project.Update().
		Where(
			project.ID(id),
			project.StageIn(activeStages()...),
			project.Or(
				project.LeaseOwner(""),
				project.LeaseOwner(worker),
				project.LeaseExpiresAtIsNil(),
				project.LeaseExpiresAtLT(now),
			),
		).
		SetLeaseOwner(worker).
		SetLeaseExpiresAt(now.Add(ttl)).
		AddAttempts(1).
		Save(ctx)
	if err != nil {
		return nil, false, mapErr(err, "project "+id.String())
	}
	p, err = s.client.Project.Get(ctx, id)
	if err != nil {
		return nil, false, mapErr(err, "project "+id.String())
	}
	if n == 1 {
		return p, true, nil
	}
	if !p.Stage.Active() {
		return p, false, newErr(ErrFailedPrecondition, "project is %s", p.Stage)
	}
	return p, false, nil
}

// RenewLease extends worker's lease on a project to now+ttl; ErrLeaseLost when it no longer
// holds it (or the project finished, e.g. was cancelled).
func (s *Store) RenewLease(ctx context.Context, id uuid.UUID, worker string, ttl time.Duration) error {
	return s.inTx(ctx, func(tx *Tx) error { return tx.RenewLease(ctx, id, worker, ttl) })
}

// RenewLease is Store.RenewLease inside tx; call it first in a stage's commit transaction to
// fence out a worker whose lease was taken over.
func (tx *Tx) RenewLease(ctx context.Context, id uuid.UUID, worker string, ttl time.Duration) error {
	now := nowUTC()
	n, err := tx.c.Project.Update().
		Where(project.ID(id), project.LeaseOwner(worker), project.StageNotIn(StageCompleted, StageFailed, StageCancelled)).
		SetLeaseExpiresAt(now.Add(ttl)).
		Save(ctx)
	if err != nil {
		return mapErr(err, "project "+id.String())
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// ReleaseLease gives up worker's lease on a project (no-op when it does not hold it).
func (s *Store) ReleaseLease(ctx context.Context, id uuid.UUID, worker string) error {
	_, err := s.client.Project.Update().
		Where(project.ID(id), project.LeaseOwner(worker)).
		SetLeaseOwner("").ClearLeaseExpiresAt().
		Save(ctx)
	return mapErr(err, "project "+id.String())
}

// ListClaimableProjects returns up to limit running projects that no live lease covers, oldest
// first: after a crash, a worker re-triggers them. Needs the system viewer.
func (s *Store) ListClaimableProjects(ctx context.Context, limit int) ([]*ent.Project, error) {
	now := nowUTC()
	ps, err := s.client.Project.Query().
		Where(
			project.StageIn(activeStages()...),
			project.Or(project.LeaseOwner(""), project.LeaseExpiresAtIsNil(), project.LeaseExpiresAtLT(now)),
		).
		Order(ent.Asc(project.FieldUpdatedAt)).Limit(limit).All(ctx)
	return ps, mapErr(err, "projects")
}
