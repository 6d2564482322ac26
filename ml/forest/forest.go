// Package forest trains random forests and extra-trees on the tree builder
// of package gbdt, and returns a gbdt.Model: the same trees, predictor, JSON
// form, ONNX export and TreeSHAP apply.
//
// Each tree fits a bootstrap sample (rows drawn with replacement; the counts
// weight the rows) or, for extra-trees, all rows with one random threshold
// per feature and node. Features are sampled per node (feature_fraction_bynode,
// default sqrt(F)/F for classification, 1 for regression). Leaves hold the
// mean target of their rows divided by the number of trees, so the raw score
// (InitScore 0 plus the sum of trees, Transform "identity") is the average:
// the probability of class 1 (binary), one probability per class
// (multiclass: one tree per class per round, fitting the class indicator;
// the K outputs sum to about 1) or the value (regression).
package forest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/trainyard/trainyard/ml/gbdt"
)

// Params are gbdt.Params with forest defaults; ExtraTrees selects
// extra-trees (no bootstrap, random thresholds).
type Params = gbdt.Params

// DefaultParams returns the forest defaults: 100 trees, up to 256 leaves,
// min_data_in_leaf 1, no regularization, per-node feature sampling.
func DefaultParams(objective string) Params {
	p := gbdt.DefaultParams(objective)
	p.NumIterations = 100
	p.NumLeaves = 256
	p.MinDataInLeaf = 1
	p.MinSumHessianInLeaf = 1e-9
	p.LearningRate = 1
	p.FeatureFractionNode = 0 // resolved at training: sqrt(F)/F or 1
	p.BoostFromAverage = false
	return p
}

// ParseParams parses "k=v,k=v" with LightGBM's names on top of the forest
// defaults (extra_trees=true selects extra-trees).
func ParseParams(objective, s string) (Params, error) {
	p := DefaultParams(objective)
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, fmt.Errorf("parameter %q: want key=value", kv)
		}
		if err := p.Set(k, v); err != nil {
			return Params{}, err
		}
	}
	return p, nil
}

// Train bins d and grows the forest. ctx is checked before every tree; when
// it is done the forest so far is returned (re-averaged over the trees
// grown) with an error wrapping ctx.Err().
func Train(ctx context.Context, p Params, d *gbdt.Dataset) (*gbdt.Model, error) {
	if p.Objective != "multiclass" {
		p.NumClass = 1
	}
	nf := len(d.Features)
	if p.FeatureFractionNode <= 0 {
		p.FeatureFractionNode = 1
		if p.Objective != "regression" && nf > 0 {
			p.FeatureFractionNode = math.Sqrt(float64(nf)) / float64(nf)
		}
	}
	ntrees := p.NumIterations
	p.NumIterations = max(ntrees, 1)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, err := gbdt.NewBinned(d, p)
	if err != nil {
		return nil, err
	}
	k := 1
	if p.Objective == "multiclass" {
		k = p.NumClass
	}
	n := b.NumRows()
	label := b.Label()
	// Per-output targets.
	targets := make([][]float64, k)
	for c := range targets {
		targets[c] = make([]float64, n)
	}
	for i, y := range label {
		switch p.Objective {
		case "regression":
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("label of row %d is %v, want a finite number", i, y)
			}
			targets[0][i] = y
		case "binary":
			if y != 0 && y != 1 {
				return nil, fmt.Errorf("label of row %d is %v, want 0 or 1", i, y)
			}
			targets[0][i] = y
		default:
			c := int(y)
			if float64(c) != y || c < 0 || c >= k {
				return nil, fmt.Errorf("label of row %d is %v, want a class in [0, %d)", i, y, k)
			}
			targets[c][i] = 1
		}
	}
	weight := b.Weight()
	tg, err := gbdt.NewTreeGrower(b, p, uint64(p.Seed))
	if err != nil {
		return nil, err
	}
	defer tg.Close()
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x7266))
	m := &gbdt.Model{Version: gbdt.ModelVersion, Objective: p.Objective, Transform: "identity",
		NumClass: p.NumClass, TreesPerIteration: k, InitScore: make([]float64, k),
		Features: b.FeatureInfo(), Params: p.Map()}
	if p.Objective == "binary" {
		m.NumClass = 2
	}
	m.Params["learner"] = "forest"
	m.Params["num_iterations"] = strconv.Itoa(ntrees)
	cnt := make([]float32, n)
	grad := make([]float32, n)
	hess := make([]float32, n)
	rows := make([]int32, 0, n)
	var stopErr error
	for t := 0; t < ntrees; t++ {
		if err := ctx.Err(); err != nil {
			stopErr = fmt.Errorf("forest stopped after %d trees: %w", t, err)
			break
		}
		rows = rows[:0]
		if p.ExtraTrees {
			for i := range cnt {
				cnt[i] = 1
			}
		} else {
			clear(cnt)
			for i := 0; i < n; i++ {
				cnt[rng.IntN(n)]++
			}
		}
		for i, c := range cnt {
			if weight != nil {
				c *= float32(weight[i])
				cnt[i] = c
			}
			if c > 0 {
				rows = append(rows, int32(i))
			}
		}
		for c := 0; c < k; c++ {
			y := targets[c]
			for i, w := range cnt {
				grad[i] = -w * float32(y[i])
				hess[i] = w
			}
			m.Trees = append(m.Trees, tg.Grow(grad, hess, rows, 1/float64(ntrees)))
		}
		m.Iterations = t + 1
	}
	if m.Iterations < ntrees && m.Iterations > 0 {
		// Re-average over the trees actually grown.
		f := float64(ntrees) / float64(m.Iterations)
		for i := range m.Trees {
			for j := range m.Trees[i].Nodes {
				m.Trees[i].Nodes[j].Value *= f
			}
		}
	}
	return m, stopErr
}
