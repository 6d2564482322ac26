package gbdt

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
)

// Options are the optional inputs of training beyond the parameters.
type Options struct {
	// Valid is a validation set for early stopping and the metric history.
	Valid *Dataset
	// OnIteration, when set, is called after every iteration with its number
	// (1-based) and the validation metric (NaN without Valid); returning
	// false stops training and keeps the model so far.
	OnIteration func(iter int, metric float64) bool

	// rowMinRows overrides rowModeMinRows when nonzero (negative: never),
	// for tests.
	rowMinRows int
}

// Train bins d and trains a model. See TrainBinned.
func Train(ctx context.Context, p Params, d *Dataset, opt Options) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	b, err := NewBinned(d, p)
	if err != nil {
		return nil, err
	}
	return TrainBinned(ctx, p, b, opt)
}

// TrainBinned trains a model on binned data. ctx is checked every
// iteration: when it is done, training stops and the model so far is
// returned together with an error wrapping ctx.Err() (the model is usable).
// With early_stopping_round > 0 and a validation set, the model is cut to
// its best iteration.
func TrainBinned(ctx context.Context, p Params, b *Binned, opt Options) (*Model, error) {
	m, _, err := trainBinned(ctx, p, b, opt)
	return m, err
}

// trainBinned is TrainBinned that also returns the final training scores
// (class-major), as accumulated in bin space.
func trainBinned(ctx context.Context, p Params, b *Binned, opt Options) (*Model, []float64, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	if p.Objective != "multiclass" {
		p.NumClass = 1
	}
	obj, err := newObjective(&p, b.label, b.weight)
	if err != nil {
		return nil, nil, err
	}
	k := obj.k
	n := b.n
	workers := p.NumThreads
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x7472_6565))
	gr := newGrower(b, p, workers, rng)
	defer gr.close()
	if minRows := cmp.Or(opt.rowMinRows, rowModeMinRows); minRows > 0 && n >= minRows {
		gr.useRows()
	}

	m := &Model{Version: ModelVersion, Objective: p.Objective, NumClass: p.NumClass, TreesPerIteration: k, Params: p.Map()}
	switch p.Objective {
	case "binary":
		m.Transform, m.NumClass = "sigmoid", 2
	case "multiclass":
		m.Transform = "softmax"
	default:
		m.Transform = "identity"
	}
	m.Features = b.FeatureInfo()
	m.InitScore = make([]float64, k)
	if p.BoostFromAverage {
		m.InitScore = obj.initScores(b.weight)
	}
	score := make([]float64, n*k)
	for c := 0; c < k; c++ {
		s := score[c*n : (c+1)*n]
		for i := range s {
			s[i] = m.InitScore[c]
		}
	}
	grad := make([]float32, n*k)
	hess := make([]float32, n*k)

	// Validation.
	var vb *Binned
	var vscore []float64
	metric := p.Metric
	if metric == "" {
		metric = defaultMetric(p.Objective)
	}
	if opt.Valid != nil {
		if vb, err = b.binWith(opt.Valid); err != nil {
			return nil, nil, fmt.Errorf("validation set: %w", err)
		}
		vscore = make([]float64, vb.n*k)
		for c := 0; c < k; c++ {
			s := vscore[c*vb.n : (c+1)*vb.n]
			for i := range s {
				s[i] = m.InitScore[c]
			}
		}
	}
	bestIter, bestMetric := 0, math.NaN()

	bagging := p.BaggingFreq > 0 && p.BaggingFraction < 1
	var bag []int32
	var inBag []bool
	const chunk = 1 << 14
	nChunks := (n + chunk - 1) / chunk

	var stopErr error
	for iter := 0; iter < p.NumIterations; iter++ {
		if err := ctx.Err(); err != nil {
			stopErr = fmt.Errorf("training stopped after %d iterations: %w", iter, err)
			break
		}
		if bagging && iter%p.BaggingFreq == 0 {
			bag, inBag = sampleBag(n, p.BaggingFraction, rng, bag, inBag)
		}
		gr.pool.forEach(nChunks, n*k >= 1<<15, func(c int) {
			obj.gradients(score, grad, hess, c*chunk, min((c+1)*chunk, n))
		})
		trees := make([]Tree, k)
		split := false
		for c := 0; c < k; c++ {
			gr.sampleFeatures()
			var rows []int32
			if bagging {
				rows = bag
			}
			g, h := grad[c*n:(c+1)*n], hess[c*n:(c+1)*n]
			bt, leaves := gr.grow(g, h, rows, p.LearningRate)
			if leaves > 1 {
				split = true
			}
			s := score[c*n : (c+1)*n]
			// Per-leaf score update for rows in the sample: every row is in
			// one leaf, so leaves are independent tasks.
			gr.pool.forEach(leaves, n >= 1<<15, func(l int) {
				v := bt.nodes[gr.leafNode[l]].Value
				for _, r := range gr.idx[gr.leafBegin[l] : gr.leafBegin[l]+gr.leafCnt[l]] {
					s[r] += v
				}
			})
			if bagging && leaves > 1 {
				gr.pool.forEach(nChunks, true, func(ch int) {
					for r := ch * chunk; r < min((ch+1)*chunk, n); r++ {
						if !inBag[r] {
							s[r] += bt.nodes[bt.leafOf(b, r)].Value
						}
					}
				})
			}
			if vb != nil && leaves > 1 {
				vs := vscore[c*vb.n : (c+1)*vb.n]
				vch := (vb.n + chunk - 1) / chunk
				gr.pool.forEach(vch, true, func(ch int) {
					for r := ch * chunk; r < min((ch+1)*chunk, vb.n); r++ {
						vs[r] += bt.nodes[bt.leafOf(vb, r)].Value
					}
				})
			}
			trees[c] = Tree{Nodes: slices.Clone(bt.nodes)}
		}
		if !split {
			break // no tree could split: nothing more to learn
		}
		m.Trees = append(m.Trees, trees...)
		m.Iterations = iter + 1
		mv := math.NaN()
		if vb != nil {
			mv = Evaluate(metric, vscore, k, vb.label, vb.weight, p.Sigmoid)
			if bestIter == 0 || (higherBetter(metric) && mv > bestMetric) || (!higherBetter(metric) && mv < bestMetric) {
				bestIter, bestMetric = iter+1, mv
			}
		}
		if opt.OnIteration != nil && !opt.OnIteration(iter+1, mv) {
			break
		}
		if vb != nil && p.EarlyStoppingRound > 0 && iter+1-bestIter >= p.EarlyStoppingRound {
			break
		}
	}
	if vb != nil && p.EarlyStoppingRound > 0 && bestIter > 0 && bestIter < m.Iterations {
		m.Iterations = bestIter
		m.Trees = m.Trees[:bestIter*k]
	}
	return m, score, stopErr
}

// sampleBag draws round(frac*n) rows without replacement, in ascending order
// (selection sampling).
func sampleBag(n int, frac float64, rng *rand.Rand, bag []int32, inBag []bool) ([]int32, []bool) {
	want := max(1, int(frac*float64(n)))
	bag = bag[:0]
	if inBag == nil {
		inBag = make([]bool, n)
	}
	need := want
	for i := 0; i < n; i++ {
		inBag[i] = false
		if need > 0 && rng.Float64()*float64(n-i) < float64(need) {
			bag = append(bag, int32(i))
			inBag[i] = true
			need--
		}
	}
	return bag, inBag
}
