// Package profile summarizes a frame for people and for the engine: per
// column statistics (missing ratio, cardinality, numeric summaries,
// quantiles, histogram, top values, examples) and dataset-level flags (ID-like
// and constant columns, duplicate rows, likely target leaks, class
// imbalance). Every result is a plain JSON-serializable struct.
package profile

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/trainyard/trainyard/ml/frame"
)

// Options tunes Compute. The zero value profiles every column without a target.
type Options struct {
	// Target names the column to be predicted; "" for none. With a target,
	// Compute checks for leaks and class imbalance.
	Target string
	// Task overrides the task detected from the target (see DetectTask).
	Task Task
	// TopValues is how many most frequent values to keep per column (default 10).
	TopValues int
	// Examples is how many distinct example values to keep (default 5).
	Examples int
	// Bins is the number of histogram bins for numeric columns (default 20).
	Bins int
}

// Profile describes a whole frame.
type Profile struct {
	// Rows is the number of rows.
	Rows int `json:"rows"`
	// Columns holds one summary per column, in frame order.
	Columns []Column `json:"columns"`
	// DuplicateRows counts rows that repeat an earlier row exactly.
	DuplicateRows int `json:"duplicateRows"`
	// Target is the target column, when one was given.
	Target string `json:"target,omitempty"`
	// Task is the task for the target, when one was given.
	Task Task `json:"task,omitempty"`
	// Classes describes the target's classes for classification tasks.
	Classes *ClassBalance `json:"classes,omitempty"`
	// Flags lists everything worth a person's attention, most severe first
	// within each column's order.
	Flags []Flag `json:"flags"`
}

// FlagKind names a kind of finding.
type FlagKind string

// The findings Compute reports.
const (
	// FlagIDLike marks a column that identifies rows rather than describing them.
	FlagIDLike FlagKind = "id_like"
	// FlagConstant marks a column with at most one distinct present value.
	FlagConstant FlagKind = "constant"
	// FlagAllMissing marks a column with no present values.
	FlagAllMissing FlagKind = "all_missing"
	// FlagHighMissing marks a column that is missing in more than half of the rows.
	FlagHighMissing FlagKind = "high_missing"
	// FlagHighCardinality marks a categorical column with very many levels.
	FlagHighCardinality FlagKind = "high_cardinality"
	// FlagDuplicates marks a dataset with repeated rows.
	FlagDuplicates FlagKind = "duplicate_rows"
	// FlagLeak marks a feature that predicts the target almost perfectly on
	// held-out rows: probably derived from the target.
	FlagLeak FlagKind = "target_leak"
	// FlagImbalance marks a classification target with a rare class.
	FlagImbalance FlagKind = "class_imbalance"
	// FlagSplitMarker marks a column whose values name data splits (train,
	// test, validation): bookkeeping from an earlier split, not a feature.
	FlagSplitMarker FlagKind = "split_marker"
	// FlagTargetMissing marks target values that are missing.
	FlagTargetMissing FlagKind = "target_missing"
)

// Flag is one finding.
type Flag struct {
	// Kind says what was found.
	Kind FlagKind `json:"kind"`
	// Column is the column concerned; "" for dataset-wide findings.
	Column string `json:"column,omitempty"`
	// Detail explains the finding in a sentence.
	Detail string `json:"detail"`
	// Score quantifies it (held-out accuracy or R² for leaks, the
	// majority/minority ratio for imbalance, a count or share otherwise).
	Score float64 `json:"score"`
}

// Compute profiles f. It checks ctx between columns.
func Compute(ctx context.Context, f *frame.Frame, opts Options) (*Profile, error) {
	if opts.TopValues <= 0 {
		opts.TopValues = 10
	}
	if opts.Examples <= 0 {
		opts.Examples = 5
	}
	if opts.Bins <= 0 {
		opts.Bins = 20
	}
	p := &Profile{Rows: f.NRows(), Columns: make([]Column, 0, f.NCols()), Flags: []Flag{}}
	var target *frame.Column
	if opts.Target != "" {
		target = f.Col(opts.Target)
		if target == nil {
			return nil, fmt.Errorf("target column %q not found", opts.Target)
		}
	}
	p.Columns = p.Columns[:f.NCols()]
	if err := parallelFor(ctx, f.NCols(), func(j int) { p.Columns[j] = describe(f.Columns[j], opts) }); err != nil {
		return nil, err
	}
	for j, c := range f.Columns {
		if c != target {
			p.Flags = append(p.Flags, columnFlags(c, &p.Columns[j])...)
		}
	}
	p.DuplicateRows = DuplicateRows(f)
	if p.DuplicateRows > 0 {
		p.Flags = append(p.Flags, Flag{Kind: FlagDuplicates, Score: float64(p.DuplicateRows),
			Detail: fmt.Sprintf("%d rows repeat an earlier row exactly", p.DuplicateRows)})
	}
	if target == nil {
		return p, nil
	}
	p.Target = opts.Target
	task := opts.Task
	if task == "" {
		var err error
		if task, err = DetectTask(target); err != nil {
			return nil, err
		}
	}
	p.Task = task
	if m := target.NumMissing(); m > 0 {
		p.Flags = append(p.Flags, Flag{Kind: FlagTargetMissing, Column: target.Name, Score: float64(m),
			Detail: fmt.Sprintf("target is missing in %d rows; they cannot be used for training", m)})
	}
	if task != Regression {
		p.Classes = classBalance(target)
		if p.Classes.Imbalanced {
			p.Flags = append(p.Flags, Flag{Kind: FlagImbalance, Column: target.Name, Score: p.Classes.Ratio,
				Detail: fmt.Sprintf("the rarest class %q is %.1f%% of rows (majority/minority ratio %.1f)",
					p.Classes.Minority, 100*p.Classes.MinorityShare, p.Classes.Ratio)})
		}
	}
	leaks, err := Leaks(ctx, f, target, task)
	if err != nil {
		return nil, err
	}
	p.Flags = append(p.Flags, leaks...)
	return p, nil
}

// columnFlags derives per-column flags from a summary.
func columnFlags(c *frame.Column, cp *Column) []Flag {
	var flags []Flag
	present := cp.Rows - cp.Missing
	switch {
	case present == 0:
		flags = append(flags, Flag{Kind: FlagAllMissing, Column: c.Name, Score: 1, Detail: "every value is missing"})
	case cp.Distinct == 1:
		flags = append(flags, Flag{Kind: FlagConstant, Column: c.Name, Score: 1,
			Detail: fmt.Sprintf("every present value is %q", cp.Top[0].Value)})
	}
	if present > 0 && cp.MissingRatio > 0.5 {
		flags = append(flags, Flag{Kind: FlagHighMissing, Column: c.Name, Score: cp.MissingRatio,
			Detail: fmt.Sprintf("%.0f%% of values are missing", 100*cp.MissingRatio)})
	}
	if isSplitMarker(cp) {
		flags = append(flags, Flag{Kind: FlagSplitMarker, Column: c.Name, Score: 1,
			Detail: "values name data splits (train/test/validation): bookkeeping, not a feature"})
	}
	if why, ok := idLike(c, cp); ok {
		flags = append(flags, Flag{Kind: FlagIDLike, Column: c.Name, Score: float64(cp.Distinct) / float64(max(present, 1)), Detail: why})
	} else if c.Kind == frame.Categorical && present >= 50 && cp.Distinct > 100 && float64(cp.Distinct) > 0.5*float64(present) {
		flags = append(flags, Flag{Kind: FlagHighCardinality, Column: c.Name, Score: float64(cp.Distinct),
			Detail: fmt.Sprintf("%d levels for %d present values", cp.Distinct, present)})
	}
	return flags
}

// parallelFor runs fn(0..n-1) on GOMAXPROCS workers and stops handing out
// work once ctx ends.
func parallelFor(ctx context.Context, n int, fn func(i int)) error {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	var err error
	for i := range n {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return err
}

// isSplitMarker reports a categorical column whose two or more values all
// name data splits.
func isSplitMarker(cp *Column) bool {
	if cp.Kind != frame.Categorical || cp.Distinct < 2 || cp.Distinct > 4 || len(cp.Top) < cp.Distinct {
		return false
	}
	for _, v := range cp.Top {
		switch strings.ToLower(strings.TrimSpace(v.Value)) {
		case "train", "training", "test", "testing", "valid", "validation", "val", "dev", "holdout", "eval":
		default:
			return false
		}
	}
	return true
}
