package server

import (
	"context"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	entmodel "github.com/trainyard/trainyard/ent/model"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// projectsToProto converts stored projects and fills each one's headline metric from its
// model's held-out metrics, reading all the models in one query.
func (h *ProjectService) projectsToProto(ctx context.Context, ps ...*ent.Project) []*trainyardv1.Project {
	out := make([]*trainyardv1.Project, len(ps))
	var ids []uuid.UUID
	for i, p := range ps {
		out[i] = projectToProto(p)
		if p.ModelID != nil {
			ids = append(ids, *p.ModelID)
		}
	}
	if len(ids) == 0 {
		return out
	}
	models, err := h.s.store.Client().Model.Query().
		Where(entmodel.IDIn(ids...)).
		Select(entmodel.FieldID, entmodel.FieldMetrics).
		All(ctx)
	if err != nil {
		// The headline is a convenience for lists: leave it out rather than fail the call.
		h.s.log.WarnContext(ctx, "read headline metrics", "err", err)
		return out
	}
	headline := make(map[string]*trainyardv1.Metric, len(models))
	for _, m := range models {
		if ms := unmarshalStored(m.Metrics, &trainyardv1.Metrics{}); ms != nil {
			headline[m.ID.String()] = ms.GetPrimary()
		}
	}
	for _, p := range out {
		p.HeadlineMetric = headline[p.GetModelId()]
	}
	return out
}
