// Package rule holds the privacy rules of the ent schema: every query and mutation is decided by
// the viewer in the context (package viewer). Members and viewers see only their own rows,
// admins and the system viewer see everything, viewers change nothing, a key scoped to one model
// reaches only that model, and a context without a viewer is denied (fail closed).
package rule

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/entql"
	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent/predicate"
	"github.com/trainyard/trainyard/ent/privacy"
	"github.com/trainyard/trainyard/ent/project"
	"github.com/trainyard/trainyard/ent/types"
	"github.com/trainyard/trainyard/ent/viewer"
)

// ownerFilter is implemented by the entql filters of entities with an owner_id column.
type ownerFilter interface{ WhereOwnerID(entql.ValueP) }

// idFilter is implemented by every entql filter.
type idFilter interface{ WhereID(entql.ValueP) }

// modelFilter is implemented by the filters of entities with a model_id column.
type modelFilter interface{ WhereModelID(entql.ValueP) }

// projectChildFilter is implemented by the filters of entities that belong to a project.
type projectChildFilter interface {
	WhereHasProjectWith(...predicate.Project)
}

// denyWithoutViewer denies when ctx carries no viewer.
func denyWithoutViewer() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if _, ok := viewer.FromContext(ctx); !ok {
			return privacy.Denyf("no viewer in context")
		}
		return privacy.Skip
	})
}

// allowSystem allows the system viewer.
func allowSystem() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.System {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// allowAdmin allows the system viewer and unscoped admins.
func allowAdmin() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.Admin() {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// denyAll denies whoever the earlier rules did not allow.
func denyAll(reason string) privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(context.Context) error {
		return privacy.Denyf("%s", reason)
	})
}

// denyReadOnly denies mutations by viewers with the VIEWER role.
func denyReadOnly() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		if v, _ := viewer.FromContext(ctx); v.ReadOnly() {
			return privacy.Denyf("viewer role is read-only")
		}
		return privacy.Skip
	})
}

// denyScoped denies viewers limited to one model.
func denyScoped() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, _ := viewer.FromContext(ctx); v.Scoped() {
			return privacy.Denyf("key is limited to model %s", v.ModelScope)
		}
		return privacy.Skip
	})
}

// filterOwner limits queries, updates and deletes to rows the viewer owns.
func filterOwner() privacy.FilterFunc {
	return func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		of, ok := f.(ownerFilter)
		if !ok {
			return privacy.Denyf("%T has no owner", f)
		}
		of.WhereOwnerID(entql.ValueEQ(v.UserID))
		return privacy.Skip
	}
}

// filterProjectOwner limits queries to rows whose project the viewer owns.
func filterProjectOwner() privacy.FilterFunc {
	return func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		pf, ok := f.(projectChildFilter)
		if !ok {
			return privacy.Denyf("%T has no project", f)
		}
		pf.WhereHasProjectWith(project.OwnerID(v.UserID))
		return privacy.Skip
	}
}

// filterModelScope limits a scoped viewer to its model: the model row itself (idField) or rows
// that reference it (model_id).
func filterModelScope(byID bool) privacy.FilterFunc {
	return func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		if !v.Scoped() {
			return privacy.Skip
		}
		if byID {
			f.(idFilter).WhereID(entql.ValueEQ(v.ModelScope))
		} else {
			f.(modelFilter).WhereModelID(entql.ValueEQ(v.ModelScope))
		}
		return privacy.Skip
	}
}

// ownerOnCreate checks that a created row belongs to the viewer; other operations pass on to
// the owner filter.
func ownerOnCreate() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		v, _ := viewer.FromContext(ctx)
		owner, ok := m.Field("owner_id")
		if id, isID := owner.(uuid.UUID); !ok || !isID || id != v.UserID {
			return privacy.Denyf("cannot create a %s owned by another user", m.Type())
		}
		return privacy.Allow
	})
}

// scopedCreate lets a scoped viewer create rows only for its model (batch predictions).
func scopedCreate() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		v, _ := viewer.FromContext(ctx)
		if !v.Scoped() {
			return privacy.Skip
		}
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Denyf("key is limited to creating predictions for model %s", v.ModelScope)
		}
		model, ok := m.Field("model_id")
		if id, isID := model.(uuid.UUID); !ok || !isID || id != v.ModelScope {
			return privacy.Denyf("key is limited to model %s", v.ModelScope)
		}
		return privacy.Skip
	})
}

// noAdminKeys keeps a non-admin from minting admin keys.
func noAdminKeys() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		if role, ok := m.Field("role"); ok && role == types.RoleAdmin {
			return privacy.Denyf("only an admin can create an admin key")
		}
		return privacy.Skip
	})
}

// Owned is the policy of entities with an owner: datasets, projects and the like. Scoped
// viewers are denied.
func Owned() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), filterOwner(), privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), denyReadOnly(), ownerOnCreate(),
			filterOwner(), privacy.AlwaysAllowRule(),
		},
	}
}

// Model is the policy of models: owned, and a scoped viewer may read its one model.
func Model() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer(), allowAdmin(), filterModelScope(true), filterOwner(), privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), denyReadOnly(), ownerOnCreate(),
			filterOwner(), privacy.AlwaysAllowRule(),
		},
	}
}

// BatchPrediction is the policy of batch predictions: owned, and a scoped viewer may create
// and read those of its one model.
func BatchPrediction() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer(), allowAdmin(), filterModelScope(false), filterOwner(), privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			denyWithoutViewer(), allowAdmin(), denyReadOnly(), scopedCreate(), ownerOnCreate(),
			filterOwner(), privacy.AlwaysAllowRule(),
		},
	}
}

// ApiKey is the policy of API keys: owners list and revoke their keys and may mint non-admin
// keys for themselves; admins manage all keys.
func ApiKey() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), filterOwner(), privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), denyReadOnly(), noAdminKeys(), ownerOnCreate(),
			filterOwner(), privacy.AlwaysAllowRule(),
		},
	}
}

// User is the policy of users: everyone sees and edits only themselves; admins manage all.
func User() ent.Policy {
	self := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		f.(idFilter).WhereID(entql.ValueEQ(v.UserID))
		return privacy.Skip
	})
	noCreate := privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Denyf("only an admin can create users")
		}
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{denyWithoutViewer(), allowAdmin(), self, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{denyWithoutViewer(), allowAdmin(), denyScoped(), denyReadOnly(), noCreate, self, privacy.AlwaysAllowRule()},
	}
}

// ProjectChild is the policy of a project's audit entries and progress events: readable by the
// project's owner, written only by the system (the workers).
func ProjectChild() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			denyWithoutViewer(), allowAdmin(), denyScoped(), filterProjectOwner(), privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{denyWithoutViewer(), allowSystem(), denyAll("only workers record progress and decisions")},
	}
}

// SystemOnly is the policy of internal tables such as the outbox.
func SystemOnly() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{denyWithoutViewer(), allowSystem(), denyAll("internal table")},
		Mutation: privacy.MutationPolicy{denyWithoutViewer(), allowSystem(), denyAll("internal table")},
	}
}
