package prep

import (
	"errors"
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// ErrLabel reports target values that the label encoding cannot take.
var ErrLabel = errors.New("bad target value")

// Label encodes a target: class index for classification, the value itself
// for regression.
type Label struct {
	// Column is the target column.
	Column string `json:"column"`
	// Task is binary, multiclass or regression.
	Task profile.Task `json:"task"`
	// Classes are the class labels sorted by text; index = encoded value.
	// For binary tasks Classes[1] is the positive class.
	Classes []string `json:"classes,omitempty"`

	index map[string]int
}

// fitLabel builds the label encoding for a target and checks it fits the task.
func fitLabel(target *frame.Column, task profile.Task) (*Label, error) {
	l := &Label{Column: target.Name, Task: task}
	switch task {
	case profile.Regression:
		if target.Kind != frame.Numeric {
			return nil, fmt.Errorf("regression needs a numeric target; %q is %s: %w", target.Name, target.Kind, ErrLabel)
		}
		for i, v := range target.Num {
			if !target.Missing[i] && math.IsInf(v, 0) {
				return nil, fmt.Errorf("target %q row %d is %v: %w", target.Name, i+1, v, ErrLabel)
			}
		}
	case profile.Binary, profile.Multiclass:
		counts := profile.ClassCounts(target)
		for _, c := range counts {
			l.Classes = append(l.Classes, c.Class)
		}
		switch {
		case len(l.Classes) < 2:
			return nil, fmt.Errorf("target %q has %d classes, need at least 2: %w", target.Name, len(l.Classes), ErrLabel)
		case task == profile.Binary && len(l.Classes) != 2:
			return nil, fmt.Errorf("binary task but target %q has %d classes: %w", target.Name, len(l.Classes), ErrLabel)
		}
	default:
		return nil, fmt.Errorf("task %q: %w", task, ErrOptions)
	}
	l.prepare()
	return l, nil
}

func (l *Label) prepare() {
	l.index = make(map[string]int, len(l.Classes))
	for i, c := range l.Classes {
		l.index[c] = i
	}
}

// NumClasses is the number of classes (0 for regression).
func (l *Label) NumClasses() int { return len(l.Classes) }

// Class returns the label of class index k.
func (l *Label) Class(k int) string { return l.Classes[k] }

// Encode turns a target column into class indices or values. Missing
// targets, classes unseen at fit and non-finite regression targets are
// errors naming the row.
func (l *Label) Encode(c *frame.Column) ([]float64, error) {
	y := make([]float64, c.Len())
	for i := range y {
		if c.Missing[i] {
			return nil, fmt.Errorf("target %q row %d is missing: %w", c.Name, i+1, ErrLabel)
		}
		if l.Task == profile.Regression {
			if c.Num == nil || c.Kind == frame.Datetime {
				v, ok := frame.ParseNumber(c.Value(i))
				if !ok {
					return nil, fmt.Errorf("target %q row %d: %q is not a number: %w", c.Name, i+1, c.Value(i), ErrLabel)
				}
				y[i] = v
				continue
			}
			y[i] = c.Num[i]
			if math.IsInf(y[i], 0) {
				return nil, fmt.Errorf("target %q row %d is %v: %w", c.Name, i+1, y[i], ErrLabel)
			}
			continue
		}
		k, ok := l.index[c.Value(i)]
		if !ok {
			return nil, fmt.Errorf("target %q row %d: class %q unseen in training: %w", c.Name, i+1, c.Value(i), ErrLabel)
		}
		y[i] = float64(k)
	}
	return y, nil
}
