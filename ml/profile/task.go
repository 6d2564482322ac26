package profile

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/ml/frame"
)

// Task is what a model learns to predict. The values match ml/linear's.
type Task string

// The tasks.
const (
	// Binary classification: exactly two classes.
	Binary Task = "binary"
	// Multiclass classification: three or more classes.
	Multiclass Task = "multiclass"
	// Regression predicts a number.
	Regression Task = "regression"
)

// ErrTarget reports a target column that cannot be learned.
var ErrTarget = errors.New("unusable target")

// DetectTask applies the engine's rule to a target column: non-numeric
// labels (categorical, boolean, quoted numbers, ...) are classes; a numeric
// column with exactly two distinct values is binary; other numbers mean
// regression. Classes need at least two distinct present values.
func DetectTask(target *frame.Column) (Task, error) {
	present := target.Len() - target.NumMissing()
	if present == 0 {
		return "", fmt.Errorf("target %q has no values: %w", target.Name, ErrTarget)
	}
	switch target.Kind {
	case frame.Numeric:
		distinct := map[float64]bool{}
		for i, v := range target.Num {
			if !target.Missing[i] {
				distinct[v] = true
				if len(distinct) > 2 {
					return Regression, nil
				}
			}
		}
		if len(distinct) == 2 {
			return Binary, nil
		}
		return "", fmt.Errorf("target %q has a single value: %w", target.Name, ErrTarget)
	case frame.Datetime:
		return "", fmt.Errorf("target %q is a datetime column: %w", target.Name, ErrTarget)
	}
	k := len(ClassCounts(target))
	switch {
	case k < 2:
		return "", fmt.Errorf("target %q has a single class: %w", target.Name, ErrTarget)
	case k == 2:
		return Binary, nil
	}
	return Multiclass, nil
}

// ClassCount is a class label and its number of rows.
type ClassCount struct {
	Class string `json:"class"`
	Count int    `json:"count"`
}

// ClassCounts counts the present labels of a target, sorted by label text
// (numbers in shortest form: "1", not "1.0").
func ClassCounts(target *frame.Column) []ClassCount {
	counts := map[string]int{}
	for i := range target.Len() {
		if !target.Missing[i] {
			counts[target.Value(i)]++
		}
	}
	out := make([]ClassCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, ClassCount{Class: c, Count: n})
	}
	slices.SortFunc(out, func(a, b ClassCount) int { return cmp.Compare(a.Class, b.Class) })
	return out
}

// ClassBalance describes the class distribution of a classification target.
type ClassBalance struct {
	// Counts per class, sorted by class label.
	Counts []ClassCount `json:"counts"`
	// Majority and Minority are the most and least frequent classes.
	Majority string `json:"majority"`
	Minority string `json:"minority"`
	// MinorityShare is the minority's share of labelled rows.
	MinorityShare float64 `json:"minorityShare"`
	// Ratio is majority count over minority count.
	Ratio float64 `json:"ratio"`
	// Imbalanced is true when Ratio is at least 2.5 (for example a 28% minority
	// in a binary task) or a class has fewer than 10 rows.
	Imbalanced bool `json:"imbalanced"`
}

// classBalance summarizes a classification target.
func classBalance(target *frame.Column) *ClassBalance {
	cb := &ClassBalance{Counts: ClassCounts(target)}
	if len(cb.Counts) == 0 {
		return cb
	}
	total := 0
	maj, mnr := cb.Counts[0], cb.Counts[0]
	for _, c := range cb.Counts {
		total += c.Count
		if c.Count > maj.Count {
			maj = c
		}
		if c.Count < mnr.Count {
			mnr = c
		}
	}
	cb.Majority, cb.Minority = maj.Class, mnr.Class
	cb.MinorityShare = float64(mnr.Count) / float64(total)
	cb.Ratio = float64(maj.Count) / float64(mnr.Count)
	cb.Imbalanced = cb.Ratio >= 2.5 || mnr.Count < 10
	return cb
}
