// Package train is the learning engine's front door: from a frame and the
// name of its target to a trained model artifact, in one call under a
// wall-clock deadline. It profiles the data, fits the preprocessing for tree
// and linear learners, runs the AutoML search (or one exact fit), and
// assembles the artifact with its importance and training record.
//
// Everything it decides is in the Result: the dropped columns and why, every
// trial and why it won or lost, the validation scheme. The agents turn those
// into audit entries; the CLI prints them.
package train

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/explain"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/prep"
	"github.com/trainyard/trainyard/ml/profile"
)

// Engine names the engine in artifacts.
const Engine = "trainyard-ml/1"

// Options configure a training run.
type Options struct {
	// Target is the column to predict (required).
	Target string
	// Task overrides the task detected from the target ("" detects).
	Task profile.Task
	// Learners restricts the learner families (automl.GBDT, automl.Linear,
	// automl.Forest); nil means all.
	Learners []string
	// Params, with exactly one learner, asks for one exact fit with these
	// parameters (LightGBM names for GBDT): no search, no early stopping
	// unless early_stopping_round is given.
	Params map[string]string
	// Deadline is when the whole run, artifact included, must be done.
	Deadline time.Time
	// Seed drives every random choice.
	Seed uint64
	// Trials, when positive, replays a search of that many trials exactly.
	Trials int
	// Metric is the metric to optimize ("" = the task's default).
	Metric string
	// Drop lists columns to leave out.
	Drop []string
	// KeepLeaks keeps columns that look like target leaks.
	KeepLeaks bool
	// BalanceClasses weights classes inversely to their frequency.
	BalanceClasses bool
	// TimeColumn orders the rows in time for validation; "" detects a
	// datetime column whose values never go back in file order.
	TimeColumn string
	// NoEnsemble keeps the single best model.
	NoEnsemble bool
	// OnTrial is called after each trial of the search.
	OnTrial func(automl.Trial)
	// Resume holds the records of the trials an interrupted search with the same data and
	// options finished (automl.Config.Resume): they are replayed, not fitted again.
	Resume []automl.TrialRecord
}

// Result is a trained model and the record of how it was made.
type Result struct {
	// Artifact is the model, ready to save or to predict with.
	Artifact *model.Artifact
	// Search is the AutoML record: trials, validation, out-of-fold predictions.
	Search *automl.Result
	// Profile is the training data's profile.
	Profile *profile.Profile
	// Dropped are the columns left out, with the reason for each.
	Dropped []prep.Dropped
	// Label is the target encoding (classes in output order).
	Label prep.Label
	// Rows are the frame rows trained on (those with a target), in order;
	// Search.OOFRows index into this list.
	Rows []int
	// TimeColumn is the column that ordered validation in time, if any.
	TimeColumn string
}

// ErrOptions reports unusable options.
var ErrOptions = errors.New("invalid training options")

// Train trains a model on f.
func Train(ctx context.Context, f *frame.Frame, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Target == "" {
		return nil, fmt.Errorf("%w: no target column given", ErrOptions)
	}
	if f.Col(opts.Target) == nil {
		return nil, fmt.Errorf("%w: no column %q in the data (columns: %v)", ErrOptions, opts.Target, f.Names())
	}
	if opts.Params != nil && len(opts.Learners) != 1 {
		return nil, fmt.Errorf("%w: parameters need exactly one learner, got %v", ErrOptions, opts.Learners)
	}
	prof, err := profile.Compute(ctx, f, profile.Options{Target: opts.Target})
	if err != nil {
		return nil, err
	}
	popts := prep.Options{Target: opts.Target, Task: opts.Task, Drop: opts.Drop, KeepLeaks: opts.KeepLeaks, Seed: opts.Seed, Profile: prof}
	trees, err := prep.FitTransform(ctx, f, popts)
	if err != nil {
		return nil, err
	}
	res := &Result{Profile: prof, Dropped: trees.Pipeline.Dropped, Label: trees.Pipeline.Label, Rows: trees.Rows}
	data := &automl.Data{
		Task:  string(trees.Pipeline.Label.Task),
		Label: trees.Y,
		Trees: automl.Matrix{Names: trees.X.Names, Cols: trees.X.Cols, Categorical: trees.X.Categorical},
	}
	data.NumClass = max(1, trees.Pipeline.Label.NumClasses())
	pipelines := []*prep.Pipeline{trees.Pipeline}
	if wants(opts.Learners, automl.Linear) {
		popts.Mode = prep.Linear
		lin, err := prep.FitTransform(ctx, f, popts)
		if err != nil {
			return nil, err
		}
		data.Linear = &automl.Matrix{Names: lin.X.Names, Cols: lin.X.Cols}
		pipelines = append(pipelines, lin.Pipeline)
	}
	var textModel *model.TextModel
	if len(trees.X.TextNames) > 0 && wants(opts.Learners, automl.Text) {
		if data.Text, textModel, err = textEncoding(ctx, trees.X, data.Linear); err != nil {
			return nil, err
		}
	}
	if len(data.Trees.Cols) == 0 && data.Linear == nil && data.Text == nil {
		return nil, fmt.Errorf("%w: no usable feature columns remain after dropping %v", ErrOptions, droppedNames(res.Dropped))
	}
	res.TimeColumn, data.TimeKey = timeKey(f, trees.Rows, opts.TimeColumn, opts.Target)

	cfg := automl.Config{
		Deadline: opts.Deadline, Seed: opts.Seed, Trials: opts.Trials, Metric: opts.Metric,
		Learners: opts.Learners, BalanceClasses: opts.BalanceClasses, NoEnsemble: opts.NoEnsemble, OnTrial: opts.OnTrial,
		Resume: opts.Resume,
	}
	if opts.Params != nil {
		cfg.Fixed = &automl.Candidate{Learner: opts.Learners[0], Params: opts.Params}
	}
	if !cfg.Deadline.IsZero() {
		// Keep a slice of the budget for assembling and writing the artifact.
		cfg.Deadline = cfg.Deadline.Add(-reserveForArtifact(cfg.Deadline.Sub(start)))
	}
	search, err := automl.Search(ctx, data, cfg)
	if err != nil {
		return nil, err
	}
	res.Search = search
	a, err := assemble(pipelines, search, data, prof, opts, start, textModel)
	if err != nil {
		return nil, err
	}
	if a.Importance == nil {
		// No tree member to read gains from: measure by permutation on a
		// sample of the training rows (recorded as such).
		if a.Importance, err = permutationImportance(ctx, a, f.Take(sample(res.Rows, 2000)), opts.Seed); err != nil {
			return nil, err
		}
		a.Training.Notes = append(a.Training.Notes, "feature importance: permutation on up to 2000 training rows")
	}
	res.Artifact = a
	return res, nil
}

func permutationImportance(ctx context.Context, a *model.Artifact, f *frame.Frame, seed uint64) ([]model.Importance, error) {
	p, err := model.NewPredictor(a)
	if err != nil {
		return nil, err
	}
	return p.PermutationImportance(ctx, f, 3, seed)
}

// sample returns at most n of rows, evenly spaced.
func sample(rows []int, n int) []int {
	if len(rows) <= n {
		return rows
	}
	out := make([]int, n)
	for i := range out {
		out[i] = rows[i*len(rows)/n]
	}
	return out
}

// reserveForArtifact is the time kept after the search for assembling and
// writing the artifact: a multiclass ensemble of thousands of trees takes
// seconds to encode.
func reserveForArtifact(budget time.Duration) time.Duration {
	return min(max(budget/20, 100*time.Millisecond), 3*time.Second)
}

func wants(learners []string, family string) bool {
	return len(learners) == 0 || slices.Contains(learners, family)
}

func droppedNames(d []prep.Dropped) []string {
	names := make([]string, len(d))
	for i, x := range d {
		names[i] = x.Column
	}
	return names
}

// timeKey returns the column that orders rows in time and its values on rows:
// the named one, or else a datetime column (not the target) whose present
// values never decrease in file order.
func timeKey(f *frame.Frame, rows []int, name, target string) (string, []float64) {
	var col *frame.Column
	if name != "" {
		col = f.Col(name)
	} else {
		for _, c := range f.Columns {
			if c.Kind == frame.Datetime && c.Name != target && nonDecreasing(c) {
				col = c
				break
			}
		}
	}
	if col == nil || col.Kind != frame.Datetime {
		return "", nil
	}
	key := make([]float64, len(rows))
	last := 0.0
	for i, r := range rows {
		v := col.Num[r]
		if col.Missing[r] {
			v = last // a missing time stays with its neighbours
		}
		key[i], last = v, v
	}
	return col.Name, key
}

func nonDecreasing(c *frame.Column) bool {
	prev, seen, distinct := 0.0, false, 0
	for i, v := range c.Num {
		if c.Missing[i] {
			continue
		}
		if seen && v < prev {
			return false
		}
		if !seen || v != prev {
			distinct++
		}
		prev, seen = v, true
	}
	return distinct > 1
}

// assemble builds the artifact from the search's refit members.
func assemble(pipelines []*prep.Pipeline, s *automl.Result, d *automl.Data, prof *profile.Profile, opts Options, start time.Time, tm *model.TextModel) (*model.Artifact, error) {
	members := make([]model.Member, len(s.Members))
	for i, m := range s.Members {
		mm := model.Member{Learner: m.Learner, Weight: m.Weight, Params: m.Params, Trees: m.GBDT, Linear: m.Linear}
		if m.Learner == automl.Linear {
			mm.Pipeline = 1
		}
		if m.Text != nil && tm != nil {
			t := *tm
			t.Logistic = m.Text
			mm.Text = &t
			if t.Dense {
				mm.Pipeline = 1 // the linear encoding is stacked after the text
			}
		}
		if mm.Trees != nil && mm.Trees.Params != nil {
			mm.Params = mm.Trees.Params
		}
		members[i] = mm
	}
	used := pipelines[:1]
	if len(pipelines) > 1 && usesLinear(members) {
		used = pipelines
	} else {
		for i := range members {
			members[i].Pipeline = 0
		}
	}
	tr := model.Training{
		CreatedAt: time.Now().UTC(), Engine: Engine, Rows: d.NumRows(), Columns: len(prof.Columns),
		Seed: opts.Seed, Trials: s.Finished, Metric: s.Metric.Name, Validation: s.Validation,
		Seconds: time.Since(start).Seconds(),
	}
	for _, dr := range used[0].Dropped {
		tr.Notes = append(tr.Notes, fmt.Sprintf("dropped column %q: %s", dr.Column, dr.Reason))
	}
	a, err := model.New(used, members, tr)
	if err != nil {
		return nil, err
	}
	if s.Score != 0 || s.Finished > 0 {
		a.Metrics = map[string]float64{"validation_" + s.Metric.Name: s.Score}
	}
	a.Importance = gainImportance(a)
	return a, nil
}

func usesLinear(members []model.Member) bool {
	for _, m := range members {
		if m.Learner == automl.Linear || m.Pipeline == 1 {
			return true
		}
	}
	return false
}

// gainImportance is the normalized split gain of the tree members per input
// column (summed over the outputs a column expands into), weighted by member
// weight.
func gainImportance(a *model.Artifact) []model.Importance {
	byCol := map[string]float64{}
	total := 0.0
	for _, m := range a.Members {
		if m.Trees == nil {
			continue
		}
		cols, groups := inputGroups(a.Pipelines[m.Pipeline])
		for g, v := range explain.Group(explain.Gain(m.Trees), groups) {
			byCol[cols[g]] += m.Weight * v
			total += m.Weight * v
		}
	}
	if total == 0 {
		return nil
	}
	out := make([]model.Importance, 0, len(byCol))
	for c, g := range byCol {
		out = append(out, model.Importance{Column: c, Gain: g / total})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Gain != out[j].Gain {
			return out[i].Gain > out[j].Gain
		}
		return out[i].Column < out[j].Column
	})
	return out
}

// inputGroups lists the input columns of p with the indices of the numeric
// outputs each expands into.
func inputGroups(p *prep.Pipeline) (cols []string, groups [][]int) {
	j := 0
	for _, s := range p.Steps {
		if len(s.Out) == 0 {
			continue
		}
		g := make([]int, len(s.Out))
		for i := range g {
			g[i] = j + i
		}
		j += len(s.Out)
		cols, groups = append(cols, s.Column), append(groups, g)
	}
	return cols, groups
}
