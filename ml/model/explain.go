package model

import (
	"cmp"
	"slices"

	"github.com/trainyard/trainyard/ml/explain"
	"github.com/trainyard/trainyard/ml/prep"
)

// Explanation is how the input columns moved one prediction away from the
// model's expected output.
type Explanation struct {
	// Output names what is explained: the class label (classifiers) or
	// "value" (regression).
	Output string
	// Scale is the space of the numbers: "log-odds" (binary boosting, and
	// logistic models), "softmax score" (multiclass boosting and softmax
	// models), "probability" (random forests) or "value" (regression).
	Scale string
	// Expected is the model's expected output in that space.
	Expected float64
	// Contributions per input column, largest magnitude first; Expected
	// plus all contributions is the model's output for the row.
	Contributions []Contribution
}

// Contribution is one input column's share of a prediction.
type Contribution struct {
	Column string
	Value  float64
}

// explainer explains the member with the largest weight.
type explainer struct {
	member int
	trees  *explain.TreeExplainer
	// groups maps learner features to input columns.
	columns []string
	groups  [][]int
}

func newExplainer(a *Artifact) *explainer {
	e := &explainer{}
	for i, m := range a.Members {
		if m.Weight > a.Members[e.member].Weight {
			e.member = i
		}
	}
	m := a.Members[e.member]
	if m.Trees != nil {
		e.trees = explain.NewTreeExplainer(m.Trees)
	}
	e.columns, e.groups = featureGroups(a.Pipelines[m.Pipeline])
	return e
}

// featureGroups returns the input columns of a pipeline and, for each, the
// indices of the learner features derived from it.
func featureGroups(p *prep.Pipeline) ([]string, [][]int) {
	var cols []string
	var groups [][]int
	at := 0
	for _, s := range p.Steps {
		if s.Encoder == prep.EncText {
			continue
		}
		g := make([]int, len(s.Out))
		for i := range g {
			g[i] = at + i
		}
		at += len(s.Out)
		cols = append(cols, s.Column)
		groups = append(groups, g)
	}
	return cols, groups
}

// Explain predicts row (as PredictMap) and explains the prediction of the
// blend's heaviest member: for binary classifiers the positive class
// (Classes[1]), for multiclass the predicted class. top > 0 keeps that many
// contributions.
func (p *Predictor) Explain(row map[string]any, top int) (*Explanation, error) {
	s := p.scratch.Get().(*scratch)
	defer p.scratch.Put(s)
	for i, pl := range p.a.Pipelines {
		x, text, err := pl.EncodeMap(row, s.x[i], s.text[i])
		if err != nil {
			return nil, err
		}
		s.x[i], s.text[i] = x, text
	}
	return p.explain(s, top), nil
}

// Explain is Predictor.Explain for a record.
func (r *Record) Explain(rec []string, top int) (*Explanation, error) {
	p := r.p
	s := p.scratch.Get().(*scratch)
	defer p.scratch.Put(s)
	if err := r.encode(s, rec); err != nil {
		return nil, err
	}
	return p.explain(s, top), nil
}

func (p *Predictor) explain(s *scratch, top int) *Explanation {
	var d Prediction
	p.finish(s, &d)
	e := p.expl
	m := &p.members[e.member]
	x := s.x[m.pipe]
	out := 0
	ex := &Explanation{Output: "value", Scale: "value"}
	switch p.a.Task {
	case Binary:
		ex.Output, ex.Scale = p.a.Classes[1], "log-odds"
	case Multiclass:
		out, ex.Output, ex.Scale = d.Class, d.Label, "softmax score"
	}
	nf := len(x)
	var textContrib []Contribution
	if cap(s.phi) < nf+1 {
		s.phi = make([]float64, nf+1)
	}
	phi := s.phi[:nf+1]
	if m.trees != nil {
		if m.trees.Transform == "identity" && p.a.Task != Regression {
			ex.Scale = "probability"
		}
		s.xr = roundFloat32(s.xr, x)
		e.trees.ExplainOutput(s.xr, out, phi)
	} else if m.text != nil {
		textContrib = m.text.explain(x, s.text[m.pipe], out, phi)
	} else {
		w := m.lin.Coefficients[out]
		for j := range nf {
			phi[j] = w[j] * x[j]
		}
		phi[nf] = m.lin.Intercepts[out]
	}
	ex.Expected = phi[nf]
	per := explain.Group(phi[:nf], e.groups)
	ex.Contributions = make([]Contribution, len(per))
	for i, v := range per {
		ex.Contributions[i] = Contribution{Column: e.columns[i], Value: v}
	}
	ex.Contributions = append(ex.Contributions, textContrib...)
	slices.SortStableFunc(ex.Contributions, func(a, b Contribution) int {
		return cmp.Compare(abs(b.Value), abs(a.Value))
	})
	if top > 0 && top < len(ex.Contributions) {
		ex.Contributions = ex.Contributions[:top]
	}
	return ex
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
