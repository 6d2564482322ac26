// Package prep turns frames into learner input with a fitted Pipeline that
// travels inside the model, so prediction applies exactly what training did.
//
// Fit decides, from a training frame and its target, which columns are used
// and how. Columns are dropped, with the reason recorded, when the caller asks
// (Options.Drop), when they identify rows (profile's ID-like flag), hold at
// most one value, name data splits (train/test), or leak the target (profile's leak check; Options.KeepLeaks
// turns that off). Text columns pass through as raw strings (Matrix.Text).
//
// Two modes shape the numbers:
//
//   - Trees: numbers stay as they are (NaN = missing; the learner picks a
//     missing direction), booleans are 0/1, categoricals become codes 0..k-1
//     as float64 (levels by decreasing training frequency, ties by text;
//     levels past MaxTreeLevels share one "other" code; missing and unseen
//     categories are NaN), datetimes expand into year, month, day, day of week,
//     hour (only when some training value has a time of day) and Unix seconds.
//   - Linear: numbers and datetime parts are imputed with the training median
//     (plus a 0/1 "__missing" indicator when the column had missing values at
//     fit; ±Inf counts as missing) and standardized; booleans are imputed with
//     the most frequent value; categoricals are one-hot encoded (at most
//     MaxOneHot levels seen at least MinLevelCount times; rarer levels share an
//     "=__other__" column; missing values get "=__missing__" when the column
//     had any at fit; a category unseen at fit is all zeros), or, above
//     TargetEncodeLevels levels, target encoded (smoothed class rates or
//     target mean, out-of-fold at fit, unseen categories get the prior) and
//     standardized.
//
// The target is label-encoded by Label: classes sorted by their text, with
// numbers written in shortest form ("1", not "1.0").
//
// A Pipeline is plain data: encoding/json round-trips it. Transform applies it
// to a frame; RowEncoder and EncodeMap apply it to one row without building a
// frame, allocation-free on the hot path.
package prep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// Version is the pipeline format version written by this package.
const Version = 1

// Mode says which family of learners the output is shaped for.
type Mode string

// The modes.
const (
	// Trees keeps missing values and category codes for tree learners.
	Trees Mode = "trees"
	// Linear imputes, one-hot or target encodes and scales for linear models.
	Linear Mode = "linear"
)

// Default option values, used when an Options field is zero.
const (
	DefaultMaxTreeLevels      = 255
	DefaultMaxOneHot          = 30
	DefaultMinLevelCount      = 5
	DefaultTargetEncodeLevels = 50
	DefaultFolds              = 5
	DefaultSmoothing          = 10
)

// Options configures Fit.
type Options struct {
	// Target is the column to predict (required).
	Target string
	// Task overrides the detected task (see profile.DetectTask).
	Task profile.Task
	// Mode is Trees (default) or Linear.
	Mode Mode
	// Drop lists columns the caller excludes.
	Drop []string
	// KeepLeaks keeps columns that the leak check flags.
	KeepLeaks bool
	// KeepIDs keeps ID-like columns (as categories or numbers).
	KeepIDs bool
	// MaxTreeLevels caps category codes in Trees mode (default 255): the
	// most frequent MaxTreeLevels-1 levels keep their own code when a column
	// has more, the rest share an "other" code.
	MaxTreeLevels int
	// MaxOneHot caps one-hot columns per categorical (default 30).
	MaxOneHot int
	// MinLevelCount is the training count a level needs for its own one-hot
	// column (default 5).
	MinLevelCount int
	// TargetEncodeLevels: in Linear mode, categoricals with more levels are
	// target encoded (default 50); negative turns target encoding off.
	TargetEncodeLevels int
	// Folds for out-of-fold target encoding (default 5).
	Folds int
	// Smoothing is the pseudo-count pulling a level's target statistic
	// toward the prior (default 10).
	Smoothing float64
	// Seed drives the fold assignment of target encoding.
	Seed uint64
	// Profile reuses a profile computed with this Target on the same rows or
	// a superset of them (for example once for all cross-validation folds);
	// only its flags are read. Nil computes one.
	Profile *profile.Profile
	// MissingMarkers are the strings read as missing by RowEncoder and
	// EncodeMap; nil means frame.DefaultMissingMarkers.
	MissingMarkers []string
}

// Pipeline is a fitted preprocessing: plain data, JSON-serializable.
type Pipeline struct {
	// Version of the format.
	Version int `json:"version"`
	// Mode the pipeline was fitted for.
	Mode Mode `json:"mode"`
	// Label encodes the target.
	Label Label `json:"label"`
	// Steps turn input columns into output columns, in input order.
	Steps []Step `json:"steps"`
	// Dropped lists input columns that are not used, with the reason.
	Dropped []Dropped `json:"dropped"`
	// Names of the numeric output columns, in order.
	Names []string `json:"names"`
	// TextNames are the text columns passed through raw, in order.
	TextNames []string `json:"textNames"`
	// MissingMarkers are the strings read as missing in row input.
	MissingMarkers []string `json:"missingMarkers"`
	// Notes records decisions worth showing (rows without a target, ...).
	Notes []string `json:"notes,omitempty"`

	markers *markerSet
}

// Dropped is an input column the pipeline does not use.
type Dropped struct {
	Column string `json:"column"`
	// Reason is "requested", or the profile flag ("id_like", "constant",
	// "all_missing", "split_marker", "target_leak") followed by its detail.
	Reason string `json:"reason"`
}

// Fitted is what FitTransform returns for the training rows.
type Fitted struct {
	Pipeline *Pipeline
	// X is the transformed training data. Target-encoded columns hold
	// out-of-fold values here, unlike Transform on the same rows.
	X *Matrix
	// Y is the encoded target (class index or value).
	Y []float64
	// Rows are the input rows in X and Y: those with a target.
	Rows []int
}

// ErrOptions reports unusable options.
var ErrOptions = errors.New("invalid preprocessing options")

// ErrNoFeatures reports a frame with no usable feature column.
var ErrNoFeatures = errors.New("nothing to learn from")

// Fit fits a pipeline on f. Rows without a target are ignored.
func Fit(ctx context.Context, f *frame.Frame, opts Options) (*Pipeline, error) {
	fit, err := FitTransform(ctx, f, opts)
	if err != nil {
		return nil, err
	}
	return fit.Pipeline, nil
}

// FitTransform fits a pipeline on the rows of f that have a target and
// returns it with their transformed matrix and encoded labels.
func FitTransform(ctx context.Context, f *frame.Frame, opts Options) (*Fitted, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	target := f.Col(opts.Target)
	if target == nil {
		return nil, fmt.Errorf("target column %q not found: %w", opts.Target, ErrOptions)
	}
	task := opts.Task
	if task == "" {
		var err error
		if task, err = profile.DetectTask(target); err != nil {
			return nil, err
		}
	}
	label, err := fitLabel(target, task)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Version: Version, Mode: opts.Mode, Label: *label, Dropped: []Dropped{},
		Names: []string{}, TextNames: []string{}, MissingMarkers: opts.MissingMarkers}
	var rows []int
	for i := range target.Len() {
		if !target.Missing[i] {
			rows = append(rows, i)
		}
	}
	if len(rows) < target.Len() {
		p.Notes = append(p.Notes, fmt.Sprintf("ignored %d rows without a target", target.Len()-len(rows)))
		f = f.Take(rows)
		target = f.Col(opts.Target)
	}
	y, err := p.Label.Encode(target)
	if err != nil {
		return nil, err
	}
	drops, err := chooseDrops(ctx, f, opts, task)
	if err != nil {
		return nil, err
	}
	for _, c := range f.Columns {
		if c.Name == opts.Target {
			continue
		}
		if reason, ok := drops[c.Name]; ok {
			p.Dropped = append(p.Dropped, Dropped{Column: c.Name, Reason: reason})
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, fitStep(c, y, &p.Label, opts))
	}
	if len(p.Steps) == 0 {
		var why []string
		for _, d := range p.Dropped {
			why = append(why, d.Column+" ("+d.Reason+")")
		}
		return nil, fmt.Errorf("no usable feature columns; dropped: %s: %w", strings.Join(why, "; "), ErrNoFeatures)
	}
	p.finish()
	x, err := p.transform(f, true)
	for i := range p.Steps {
		p.Steps[i].oof = nil // only the fit rows use it
	}
	if err != nil {
		return nil, err
	}
	return &Fitted{Pipeline: p, X: x, Y: y, Rows: rows}, nil
}

func (o *Options) defaults() error {
	if o.Target == "" {
		return fmt.Errorf("no target column: %w", ErrOptions)
	}
	switch o.Mode {
	case "":
		o.Mode = Trees
	case Trees, Linear:
	default:
		return fmt.Errorf("mode %q: %w", o.Mode, ErrOptions)
	}
	if o.MaxTreeLevels == 0 {
		o.MaxTreeLevels = DefaultMaxTreeLevels
	}
	if o.MaxOneHot == 0 {
		o.MaxOneHot = DefaultMaxOneHot
	}
	if o.MinLevelCount == 0 {
		o.MinLevelCount = DefaultMinLevelCount
	}
	if o.TargetEncodeLevels == 0 {
		o.TargetEncodeLevels = DefaultTargetEncodeLevels
	}
	if o.Folds == 0 {
		o.Folds = DefaultFolds
	}
	if o.Smoothing == 0 {
		o.Smoothing = DefaultSmoothing
	}
	if o.MissingMarkers == nil {
		o.MissingMarkers = frame.DefaultMissingMarkers()
	}
	if o.MaxTreeLevels < 2 || o.MaxOneHot < 1 || o.Folds < 2 || o.Smoothing < 0 {
		return fmt.Errorf("MaxTreeLevels %d, MaxOneHot %d, Folds %d, Smoothing %v out of range: %w",
			o.MaxTreeLevels, o.MaxOneHot, o.Folds, o.Smoothing, ErrOptions)
	}
	return nil
}

// chooseDrops maps the columns to drop to their reasons.
func chooseDrops(ctx context.Context, f *frame.Frame, opts Options, task profile.Task) (map[string]string, error) {
	drops := map[string]string{}
	for _, name := range opts.Drop {
		if f.Col(name) == nil {
			return nil, fmt.Errorf("column %q to drop not found: %w", name, ErrOptions)
		}
		drops[name] = "requested"
	}
	prof := opts.Profile
	if prof == nil {
		var err error
		prof, err = profile.Compute(ctx, f, profile.Options{Target: opts.Target, Task: task, TopValues: 5, Examples: 1, Bins: 1})
		if err != nil {
			return nil, err
		}
	}
	for _, fl := range prof.Flags {
		if fl.Column == "" || fl.Column == opts.Target {
			continue
		}
		if _, done := drops[fl.Column]; done {
			continue
		}
		switch {
		case fl.Kind == profile.FlagConstant, fl.Kind == profile.FlagAllMissing, fl.Kind == profile.FlagSplitMarker,
			fl.Kind == profile.FlagIDLike && !opts.KeepIDs,
			fl.Kind == profile.FlagLeak && !opts.KeepLeaks:
			drops[fl.Column] = string(fl.Kind) + ": " + fl.Detail
		}
	}
	return drops, nil
}

// finish fills the derived fields: output names and lookup tables.
func (p *Pipeline) finish() {
	p.Names = p.Names[:0]
	p.TextNames = p.TextNames[:0]
	for i := range p.Steps {
		s := &p.Steps[i]
		s.prepare()
		if s.Encoder == EncText {
			p.TextNames = append(p.TextNames, s.Column)
			continue
		}
		p.Names = append(p.Names, s.Out...)
	}
	p.markers = newMarkerSet(rowMarkers(p.MissingMarkers))
	for i := range p.Steps {
		s := &p.Steps[i]
		s.markerLevel = slices.ContainsFunc(s.Levels, p.isMissing) || slices.ContainsFunc(s.OtherLevels, p.isMissing)
	}
	p.Label.prepare()
}

// InputNames returns the columns Transform needs, in order.
func (p *Pipeline) InputNames() []string {
	names := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		names[i] = s.Column
	}
	return names
}

// InputKinds returns the kind each input column had at fit. Passing it as
// frame.ReadOptions.Kinds when reading prediction data keeps a column typed as
// in training even when the new rows alone would suggest otherwise (zip codes
// such as "02134" stay categories, a numeric column with a stray word fails
// with the row and column named).
func (p *Pipeline) InputKinds() map[string]frame.Kind {
	kinds := make(map[string]frame.Kind, len(p.Steps))
	for _, s := range p.Steps {
		kinds[s.Column] = s.Kind
	}
	return kinds
}

// Transform applies the pipeline to a frame holding (at least) the input
// columns; extra columns, the target included, are ignored. Missing input
// columns give a *frame.MissingColumnsError naming them all.
func (p *Pipeline) Transform(f *frame.Frame) (*Matrix, error) {
	return p.transform(f, false)
}

// transform builds the matrix; at fit, target-encoded columns get the
// out-of-fold values computed while fitting.
func (p *Pipeline) transform(f *frame.Frame, fit bool) (*Matrix, error) {
	var missing []string
	for _, s := range p.Steps {
		if f.Col(s.Column) == nil {
			missing = append(missing, s.Column)
		}
	}
	if len(missing) > 0 {
		return nil, &frame.MissingColumnsError{Names: missing}
	}
	n := f.NRows()
	m := &Matrix{Rows: n, Names: slices.Clone(p.Names), TextNames: slices.Clone(p.TextNames)}
	for i := range p.Steps {
		s := &p.Steps[i]
		c := f.Col(s.Column)
		if s.Encoder == EncText {
			m.Text = append(m.Text, textValues(c))
			continue
		}
		cols := make([][]float64, len(s.Out))
		for k := range cols {
			cols[k] = make([]float64, n)
		}
		var err error
		if s.Encoder == EncTarget && fit {
			err = s.outOfFold(c, cols)
		} else {
			err = s.fillColumns(c, cols, p.Mode == Linear)
		}
		if err != nil {
			return nil, err
		}
		m.Cols = append(m.Cols, cols...)
		for range cols {
			m.Categorical = append(m.Categorical, s.Encoder == EncCodes)
			m.NumCategories = append(m.NumCategories, s.numCategories())
		}
	}
	return m, nil
}

// textValues copies a column's values as strings ("" = missing).
func textValues(c *frame.Column) []string {
	out := make([]string, c.Len())
	for i := range out {
		out[i] = c.Value(i)
	}
	return out
}

// nan is the missing value.
func nan() float64 { return math.NaN() }
