package text

import (
	"context"
	"fmt"
	"slices"
)

// Learner names the model a Classifier fits on the TF-IDF rows.
type Learner string

// The learners.
const (
	LearnLogistic    Learner = "logistic"
	LearnMultinomial Learner = "multinomial_nb"
	LearnComplement  Learner = "complement_nb"
)

// ClassifierParams configures FitClassifier.
type ClassifierParams struct {
	Vectorizer Config         `json:"vectorizer"`
	Learner    Learner        `json:"learner"`
	Logistic   LogisticParams `json:"logistic"`
	// Alpha is the naive Bayes smoothing (1 when <= 0).
	Alpha float64 `json:"alpha,omitempty"`
}

// Classifier predicts a class from raw text: a Vectorizer followed by naive
// Bayes or logistic regression. It round-trips through encoding/json.
type Classifier struct {
	Classes    []string    `json:"classes"`
	Vectorizer *Vectorizer `json:"vectorizer"`
	Learner    Learner     `json:"learner"`
	Logistic   *Logistic   `json:"logistic,omitempty"`
	Bayes      *NaiveBayes `json:"bayes,omitempty"`
}

// FitClassifier learns from docs and their labels. Classes are the sorted
// distinct labels.
func FitClassifier(ctx context.Context, docs, labels []string, p ClassifierParams) (*Classifier, error) {
	if len(docs) != len(labels) {
		return nil, fmt.Errorf("text classifier: %d documents and %d labels", len(docs), len(labels))
	}
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) < 2 {
		return nil, fmt.Errorf("text classifier: %d distinct labels, need at least 2", len(classes))
	}
	y := make([]int, len(labels))
	for i, l := range labels {
		y[i], _ = slices.BinarySearch(classes, l)
	}
	v, err := Fit(p.Vectorizer, docs)
	if err != nil {
		return nil, fmt.Errorf("text classifier: %w", err)
	}
	x := v.Transform(docs)
	c := &Classifier{Classes: classes, Vectorizer: v, Learner: p.Learner}
	switch p.Learner {
	case LearnLogistic, "":
		c.Learner = LearnLogistic
		c.Logistic, err = FitLogistic(ctx, x, y, len(classes), p.Logistic)
	case LearnMultinomial:
		c.Bayes, err = FitNaiveBayes(Multinomial, x, y, len(classes), p.Alpha)
	case LearnComplement:
		c.Bayes, err = FitNaiveBayes(Complement, x, y, len(classes), p.Alpha)
	default:
		return nil, fmt.Errorf("text classifier: unknown learner %q", p.Learner)
	}
	if err != nil {
		return nil, fmt.Errorf("text classifier: %w", err)
	}
	return c, nil
}

// PredictProba returns a probability per class (in Classes order) for each
// document.
func (c *Classifier) PredictProba(docs []string) [][]float64 {
	x := c.Vectorizer.Transform(docs)
	if c.Logistic != nil {
		return c.Logistic.PredictProba(x)
	}
	return c.Bayes.PredictProba(x)
}

// Predict returns the most probable class of each document.
func (c *Classifier) Predict(docs []string) []string {
	out := make([]string, len(docs))
	for i, p := range c.PredictProba(docs) {
		best := 0
		for k, v := range p {
			if v > p[best] {
				best = k
			}
		}
		out[i] = c.Classes[best]
	}
	return out
}
