package server

import (
	"bytes"
	"context"
	"fmt"
	"time"

	entpkg "github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ent/auditentry"
	"github.com/trainyard/trainyard/internal/report"
)

// maxReportDecisions bounds the decision log of a rendered report.
const maxReportDecisions = 500

// renderReport renders a model's HTML report from its stored results and its project's
// decision log, as the viewer of ctx sees them.
func (d *data) renderReport(ctx context.Context, m *entpkg.Model) ([]byte, error) {
	mp := d.modelToProto(ctx, m, false)
	es, err := d.s.store.Client().AuditEntry.Query().Where(auditentry.ProjectID(m.ProjectID)).
		Order(entpkg.Asc(auditentry.FieldSequence)).Limit(maxReportDecisions).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("decisions of model %s: %w", m.ID, err)
	}
	in := report.Input{Model: mp, Generated: time.Now()}
	for _, e := range es {
		in.Decisions = append(in.Decisions, report.Decision{Time: e.CreatedAt, Stage: string(e.Stage), Type: e.DecisionType,
			Decision: e.Decision, Reasoning: e.Reasoning, Confidence: e.Confidence, Reasoner: e.Reasoner})
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, in); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
