package model

import (
	"fmt"
	"math"
	"slices"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/prep"
)

// Limits that keep a hostile artifact from exhausting memory in the
// predictor (category bitsets are allocated per split).
const (
	maxCategory     = 1 << 20
	maxCategoryBits = 1 << 28
	// maxDepth bounds tree depth: TreeSHAP needs O(depth²) path memory.
	maxDepth = 1000
)

// Validate checks that a is complete and consistent: everything the
// Predictor and the ONNX export rely on.
func (a *Artifact) Validate() error {
	switch a.Task {
	case Binary, Multiclass, Regression:
	default:
		return fmt.Errorf("unknown task %q", a.Task)
	}
	k := len(a.Classes)
	switch {
	case a.Task == Binary && k != 2:
		return fmt.Errorf("binary task with %d classes", k)
	case a.Task == Multiclass && k < 2:
		return fmt.Errorf("multiclass task with %d classes", k)
	case a.Task == Regression && k != 0:
		return fmt.Errorf("regression with %d classes", k)
	}
	seen := make(map[string]bool, k)
	for _, c := range a.Classes {
		if seen[c] {
			return fmt.Errorf("class %q appears twice", c)
		}
		seen[c] = true
	}
	if a.Threshold != 0 {
		if a.Task != Binary {
			return fmt.Errorf("threshold %v on a %s model (only binary classifiers take one)", a.Threshold, a.Task)
		}
		if !(a.Threshold > 0 && a.Threshold <= 1) {
			return fmt.Errorf("threshold %v outside (0, 1]", a.Threshold)
		}
	}
	if a.Calibration != nil {
		if err := a.Calibration.validate(a.Task); err != nil {
			return err
		}
	}
	if a.Image != nil {
		return a.validateImage()
	}
	inSchema := make(map[string]bool, len(a.Schema))
	for _, c := range a.Schema {
		if inSchema[c.Name] {
			return fmt.Errorf("schema column %q appears twice", c.Name)
		}
		inSchema[c.Name] = true
	}
	if len(a.Pipelines) == 0 {
		return fmt.Errorf("no preprocessing pipeline")
	}
	for i, p := range a.Pipelines {
		if err := a.validatePipeline(p, inSchema); err != nil {
			return fmt.Errorf("pipeline %d: %w", i, err)
		}
	}
	if len(a.Members) == 0 {
		return fmt.Errorf("no model")
	}
	total := 0.0
	for i := range a.Members {
		m := &a.Members[i]
		if err := a.validateMember(m); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
		total += m.Weight
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return fmt.Errorf("member weights sum to %v", total)
	}
	return nil
}

func (a *Artifact) validatePipeline(p *prep.Pipeline, inSchema map[string]bool) error {
	if p == nil {
		return fmt.Errorf("missing")
	}
	if p.Mode != prep.Trees && p.Mode != prep.Linear {
		return fmt.Errorf("mode %q", p.Mode)
	}
	if string(p.Label.Task) != a.Task || !slices.Equal(p.Label.Classes, a.Classes) {
		return fmt.Errorf("label encoding (%s, %d classes) does not match the artifact (%s, %d classes)",
			p.Label.Task, len(p.Label.Classes), a.Task, len(a.Classes))
	}
	n := 0
	for i := range p.Steps {
		s := &p.Steps[i]
		if !inSchema[s.Column] {
			return fmt.Errorf("step %d reads column %q, which is not in the schema", i, s.Column)
		}
		if err := validateStep(s, p.Mode == prep.Linear); err != nil {
			return fmt.Errorf("step %d (column %q): %w", i, s.Column, err)
		}
		if s.Encoder != prep.EncText {
			n += len(s.Out)
		}
	}
	if n != len(p.Names) {
		return fmt.Errorf("%d outputs but %d names", n, len(p.Names))
	}
	return nil
}

// validateStep checks the shapes that prep's encoder indexes by.
func validateStep(s *prep.Step, linearMode bool) error {
	ind := 0
	if s.Indicator {
		ind = 1
	}
	values := len(s.Out) - ind
	others := 0
	if len(s.OtherLevels) > 0 {
		others = 1
	}
	switch s.Encoder {
	case prep.EncText:
		return nil
	case prep.EncNumeric, prep.EncBoolean, prep.EncDatetime:
		want := 1
		if s.Encoder == prep.EncDatetime {
			want = len(s.Parts)
		}
		if values != want || want < 1 {
			return fmt.Errorf("%s step with %d outputs (indicator %v), want %d", s.Encoder, len(s.Out), s.Indicator, want+ind)
		}
		if linearMode && (len(s.Fill) < values || len(s.Center) < values || len(s.Scale) < values) {
			return fmt.Errorf("%s step lacks imputation or scaling values", s.Encoder)
		}
	case prep.EncCodes:
		if len(s.Out) != 1 {
			return fmt.Errorf("codes step with %d outputs", len(s.Out))
		}
	case prep.EncOneHot:
		missing := 0
		if s.MissingLevel {
			missing = 1
		}
		if len(s.Out) < len(s.Levels)+others+missing {
			return fmt.Errorf("one-hot step with %d outputs for %d levels", len(s.Out), len(s.Levels))
		}
	case prep.EncTarget:
		w := len(s.Out)
		if len(s.Prior) < w || len(s.Center) < w || len(s.Scale) < w || len(s.Stats) < len(s.Levels)+others {
			return fmt.Errorf("target-encoding step lacks statistics")
		}
		for _, st := range s.Stats {
			if len(st) < w {
				return fmt.Errorf("target-encoding step lacks statistics")
			}
		}
	default:
		return fmt.Errorf("unknown encoder %q", s.Encoder)
	}
	return nil
}

func (a *Artifact) validateMember(m *Member) error {
	if !(m.Weight >= 0) || math.IsInf(m.Weight, 0) {
		return fmt.Errorf("weight %v", m.Weight)
	}
	if m.Pipeline < 0 || m.Pipeline >= len(a.Pipelines) {
		return fmt.Errorf("pipeline %d of %d", m.Pipeline, len(a.Pipelines))
	}
	nfeat := len(a.Pipelines[m.Pipeline].Names)
	switch m.Learner {
	case GBDT, Forest:
		if m.Trees == nil || m.Linear != nil {
			return fmt.Errorf("%s member needs trees (only)", m.Learner)
		}
		return validateTrees(m.Trees, nfeat, a.Task, len(a.Classes))
	case Linear:
		if m.Linear == nil || m.Trees != nil {
			return fmt.Errorf("linear member needs a linear model (only)")
		}
		return validateLinear(m.Linear, nfeat, a.Task, len(a.Classes))
	case Text:
		return a.validateText(m, nfeat)
	}
	return fmt.Errorf("unknown learner %q", m.Learner)
}

func validateTrees(m *gbdt.Model, nfeat int, task string, k int) error {
	if len(m.Features) != nfeat {
		return fmt.Errorf("trees read %d features, the pipeline makes %d", len(m.Features), nfeat)
	}
	outputs := 1
	if task == Multiclass {
		outputs = k
	}
	if m.Objective != task || max(m.TreesPerIteration, 1) != outputs {
		return fmt.Errorf("trees for %s with %d outputs, want %s with %d", m.Objective, m.TreesPerIteration, task, outputs)
	}
	switch {
	case m.Transform == "identity":
	case m.Transform == "sigmoid" && task == Binary:
	case m.Transform == "softmax" && task == Multiclass:
	default:
		return fmt.Errorf("transform %q for %s", m.Transform, task)
	}
	if len(m.InitScore) > outputs {
		return fmt.Errorf("%d init scores for %d outputs", len(m.InitScore), outputs)
	}
	bits := 0
	for t := range m.Trees {
		nb, err := validateTree(m.Trees[t].Nodes, nfeat)
		if err != nil {
			return fmt.Errorf("tree %d: %w", t, err)
		}
		bits += nb
		if bits > maxCategoryBits {
			return fmt.Errorf("category sets too large")
		}
	}
	return nil
}

// validateTree checks that nodes form one tree rooted at 0 and returns the
// size of its category bitsets.
func validateTree(nodes []gbdt.Node, nfeat int) (int, error) {
	bits := 0
	for i := range nodes {
		n := &nodes[i]
		if n.Leaf {
			continue
		}
		if n.Left < 0 || n.Left >= len(nodes) || n.Right < 0 || n.Right >= len(nodes) {
			return 0, fmt.Errorf("node %d has children %d, %d of %d nodes", i, n.Left, n.Right, len(nodes))
		}
		if n.Feature < 0 || n.Feature >= nfeat {
			return 0, fmt.Errorf("node %d splits on feature %d of %d", i, n.Feature, nfeat)
		}
		for j, c := range n.Categories {
			if c < 0 || c >= maxCategory || (j > 0 && c <= n.Categories[j-1]) {
				return 0, fmt.Errorf("node %d: categories must be ascending codes below %d", i, maxCategory)
			}
		}
		if len(n.Categories) > 0 {
			bits += n.Categories[len(n.Categories)-1] + 64
		}
	}
	if len(nodes) == 0 {
		return bits, nil
	}
	seen := make([]bool, len(nodes))
	type item struct{ node, depth int }
	stack := []item{{0, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[it.node] {
			return 0, fmt.Errorf("node %d is reached twice", it.node)
		}
		if it.depth > maxDepth {
			return 0, fmt.Errorf("deeper than %d levels", maxDepth)
		}
		seen[it.node] = true
		if n := &nodes[it.node]; !n.Leaf {
			stack = append(stack, item{n.Left, it.depth + 1}, item{n.Right, it.depth + 1})
		}
	}
	return bits, nil
}

func validateLinear(m *linear.Model, nfeat int, task string, k int) error {
	if string(m.Task) != task {
		return fmt.Errorf("linear model for %s, want %s", m.Task, task)
	}
	if m.NumFeatures != nfeat {
		return fmt.Errorf("linear model reads %d features, the pipeline makes %d", m.NumFeatures, nfeat)
	}
	if task != Regression && m.NumClasses != k {
		return fmt.Errorf("linear model with %d classes, want %d", m.NumClasses, k)
	}
	return m.Validate()
}
