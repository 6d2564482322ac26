package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/ml/frame"
)

// labelsKey names the LABELING stage's labels: the target of every row as training sees it.
const labelsKey = "labels.json"

// Where a row's label came from.
const (
	sourceNone    = ""
	sourceGiven   = "given"   // in the uploaded data
	sourceOwner   = "owner"   // labeled by the owner, row by row
	sourceCluster = "cluster" // the owner named the row's cluster
	sourcePseudo  = "pseudo"  // self-training or propagation from given labels
	sourceLLM     = "llm"     // labeled by a language model
)

// labelSet is the target column after LABELING: a value and its source per row.
type labelSet struct {
	Values []string `json:"values"`
	Source []string `json:"source"`
}

// newLabelSet holds the given labels of the target column.
func newLabelSet(target *frame.Column) *labelSet {
	n := target.Len()
	ls := &labelSet{Values: make([]string, n), Source: make([]string, n)}
	for i := range n {
		if !target.Missing[i] {
			ls.Values[i], ls.Source[i] = target.Value(i), sourceGiven
		}
	}
	return ls
}

// set labels row i from source.
func (ls *labelSet) set(i int, value, source string) { ls.Values[i], ls.Source[i] = value, source }

// rows returns the rows whose label came from one of the sources, in order.
func (ls *labelSet) rows(sources ...string) []int {
	var out []int
	for i, s := range ls.Source {
		for _, want := range sources {
			if s == want && s != sourceNone {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// count returns the rows labeled from each source.
func (ls *labelSet) count() map[string]int {
	out := map[string]int{}
	for _, s := range ls.Source {
		if s != sourceNone {
			out[s]++
		}
	}
	return out
}

// column builds the target column holding the labels: numeric when the original column is
// numeric and every label is a number, categorical otherwise.
func (ls *labelSet) column(orig *frame.Column) *frame.Column {
	if orig.Kind == frame.Numeric {
		nums := make([]float64, len(ls.Values))
		ok := true
		for i, v := range ls.Values {
			if v == "" {
				nums[i] = nan()
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				ok = false
				break
			}
			nums[i] = x
		}
		if ok {
			return frame.NewNumeric(orig.Name, nums)
		}
	}
	return frame.NewStrings(orig.Name, frame.Categorical, append([]string(nil), ls.Values...))
}

// loadFrame reads the project's dataset as a frame; once LABELING has labeled the data, the
// target column holds those labels (given, owner-given, pseudo- or model-labeled), so every
// later stage trains and evaluates on them.
func (p *Pipeline) loadFrame(ctx context.Context, proj *ent.Project) (*frame.Frame, error) {
	f, err := p.loadDataFrame(ctx, proj)
	if err != nil {
		return nil, err
	}
	return p.withLabels(ctx, proj.ID, f)
}

// withLabels replaces f's target column by the project's stored labels, when LABELING
// stored any (cached by project id).
func (p *Pipeline) withLabels(ctx context.Context, id uuid.UUID, f *frame.Frame) (*frame.Frame, error) {
	if lf := p.frames.get(id); lf != nil {
		return lf, nil
	}
	var stored struct {
		Target string    `json:"target"`
		Labels *labelSet `json:"labels"`
	}
	if err := p.getJSON(ctx, stateKey(id, labelsKey), &stored); err != nil {
		if errors.Is(err, errNoState) {
			return f, nil
		}
		return nil, err
	}
	idx := f.Index(stored.Target)
	if idx < 0 || stored.Labels == nil || len(stored.Labels.Values) != f.NRows() {
		return nil, fmt.Errorf("stored labels do not fit the data (target %q, %d rows)", stored.Target, f.NRows())
	}
	cols := append([]*frame.Column(nil), f.Columns...)
	cols[idx] = stored.Labels.column(f.Columns[idx])
	lf := &frame.Frame{Columns: cols, Notes: f.Notes}
	p.frames.put(id, lf)
	return lf, nil
}

// putLabels stores the labels LABELING decided.
func (p *Pipeline) putLabels(ctx context.Context, id uuid.UUID, target string, ls *labelSet) error {
	return p.putJSON(ctx, stateKey(id, labelsKey), map[string]any{"target": target, "labels": ls})
}
