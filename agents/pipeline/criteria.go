package pipeline

import (
	"fmt"
	"math"
	"slices"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/ml/metrics"
)

// scored are predictions of a set of rows with their encoded labels.
type scored struct {
	task    string
	classes []string
	// y are the encoded labels (class index or value).
	y []float64
	// proba holds width values per row (classifiers); values the predictions (regression).
	proba  []float64
	width  int
	values []float64
	// pos is the positive class index of a binary task; threshold applies to P(pos).
	pos       int
	threshold float64
}

// classOf returns the predicted class of row i.
func (s *scored) classOf(i int) int {
	row := s.proba[i*s.width : (i+1)*s.width]
	if s.task == "binary" && s.width == 2 {
		if row[s.pos] >= s.threshold {
			return s.pos
		}
		return 1 - s.pos
	}
	best := 0
	for c, v := range row {
		if v > row[best] {
			best = c
		}
	}
	return best
}

// predicted returns every row's predicted class as float64.
func (s *scored) predicted() []float64 {
	out := make([]float64, len(s.y))
	for i := range out {
		out[i] = float64(s.classOf(i))
	}
	return out
}

// probaRows returns the probabilities row by row.
func (s *scored) probaRows() [][]float64 {
	out := make([][]float64, len(s.y))
	for i := range out {
		out[i] = s.proba[i*s.width : (i+1)*s.width]
	}
	return out
}

// positiveScores returns P(pos) and 0/1 labels (binary).
func (s *scored) positiveScores() (score, y []float64) {
	score = make([]float64, len(s.y))
	y = make([]float64, len(s.y))
	for i := range s.y {
		score[i] = s.proba[i*s.width+s.pos]
		if int(s.y[i]) == s.pos {
			y[i] = 1
		}
	}
	return score, y
}

// classIndex returns the index of label among the classes, or def.
func (s *scored) classIndex(label string, def int) int {
	if i := slices.Index(s.classes, label); i >= 0 {
		return i
	}
	return def
}

// value computes a criterion's metric on the predictions.
func (s *scored) value(c analyze.SuccessCriterion) (float64, error) {
	switch c.Metric {
	case "recall", "precision", "f1":
		pred := s.predicted()
		if s.task == "binary" {
			k := s.classIndex(c.ClassLabel, s.pos)
			tp, fp, fn := 0, 0, 0
			for i, y := range s.y {
				switch {
				case int(pred[i]) == k && int(y) == k:
					tp++
				case int(pred[i]) == k:
					fp++
				case int(y) == k:
					fn++
				}
			}
			prec := ratio(tp, tp+fp)
			rec := ratio(tp, tp+fn)
			switch c.Metric {
			case "recall":
				return rec, nil
			case "precision":
				return prec, nil
			}
			if prec+rec == 0 {
				return 0, nil
			}
			return 2 * prec * rec / (prec + rec), nil
		}
		rep, err := metrics.Report(s.y, pred, len(s.classes))
		if err != nil {
			return 0, err
		}
		if k := s.classIndex(c.ClassLabel, -1); k >= 0 && k < len(rep.PerClass) {
			cs := rep.PerClass[k]
			switch c.Metric {
			case "recall":
				return cs.Recall, nil
			case "precision":
				return cs.Precision, nil
			}
			return cs.F1, nil
		}
		switch c.Metric {
		case "recall":
			return rep.Macro.Recall, nil
		case "precision":
			return rep.Macro.Precision, nil
		}
		return rep.Macro.F1, nil
	case "accuracy":
		return metrics.Accuracy(s.y, s.predicted())
	}
	m, err := metrics.Lookup(c.Metric)
	if err != nil {
		return 0, err
	}
	if s.task == "regression" {
		return m.Compute(s.y, metrics.Predictions{Values: s.values})
	}
	return m.Compute(s.y, metrics.Predictions{Values: s.predicted(), Proba: s.probaRows()})
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// criterionResult is a criterion checked on a set of rows.
type criterionResult struct {
	analyze.SuccessCriterion
	Achieved float64 `json:"achieved"`
	Met      bool    `json:"met"`
	// Gap is how far from the bound, on the metric's scale (0 when met).
	Gap float64 `json:"gap"`
}

// check evaluates the criteria on s.
func (s *scored) check(cs []analyze.SuccessCriterion) ([]criterionResult, error) {
	var out []criterionResult
	for _, c := range cs {
		v, err := s.value(c)
		if err != nil {
			return nil, fmt.Errorf("criterion %s: %w", c.Metric, err)
		}
		met := v >= c.Threshold
		gap := c.Threshold - v
		if !c.AtLeast {
			met = v <= c.Threshold
			gap = v - c.Threshold
			if c.Threshold != 0 {
				gap /= math.Abs(c.Threshold) // relative for error metrics
			}
		}
		out = append(out, criterionResult{SuccessCriterion: c, Achieved: v, Met: met, Gap: math.Max(0, gap)})
	}
	return out, nil
}

// describeCriterion states a criterion in words.
func describeCriterion(c analyze.SuccessCriterion) string {
	op := "≥"
	if !c.AtLeast {
		op = "≤"
	}
	s := fmt.Sprintf("%s %s %.4g", c.Metric, op, c.Threshold)
	if c.ClassLabel != "" {
		s += " on " + c.ClassLabel
	}
	return s
}
