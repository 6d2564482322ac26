package pipeline

import (
	"context"
	"fmt"
)

// labelStage is LABELING, reached only when most rows have no target. Labeling unlabeled data
// is not available yet, so the Labeler stops the project with what the user can do.
func (p *Pipeline) labelStage(ctx context.Context, r *run) (*outcome, error) {
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	labeled := ds.Rows - ds.Unlabeled
	return nil, &UserError{
		Message: fmt.Sprintf("only %d of %d rows have a value in the target column %q; automatic labeling of the other %d rows is not available yet",
			labeled, ds.Rows, ds.Target, ds.Unlabeled),
		Suggestions: []string{
			fmt.Sprintf("Fill in %q for more rows (at least half of them) and upload the data again", ds.Target),
			"Or upload only the labeled rows",
		},
		Evidence: map[string]any{"labeled_rows": labeled, "rows": ds.Rows},
	}
}
