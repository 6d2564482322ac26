package cluster

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/trainyard/trainyard/ml/text"
)

// Unlabeled marks a row without a label.
const Unlabeled = -1

// SemiReport says how partly labeled data was completed.
type SemiReport struct {
	// Labeled is the number of rows that came with a label.
	Labeled int `json:"labeled"`
	// Pseudo is the number of rows given a pseudo-label.
	Pseudo int `json:"pseudo"`
	// Unresolved rows stayed without a label (not confident enough).
	Unresolved int `json:"unresolved"`
	// PseudoShare is Pseudo over all rows that carry a label afterwards.
	PseudoShare float64 `json:"pseudoShare"`
	// MeanConfidence and MinConfidence describe the pseudo-labels'
	// probabilities.
	MeanConfidence float64 `json:"meanConfidence"`
	MinConfidence  float64 `json:"minConfidence"`
	Rounds         int     `json:"rounds"`
}

// SelfParams configures SelfTrain.
type SelfParams struct {
	// Threshold is the lowest probability at which a prediction becomes a
	// pseudo-label (0.9 when <= 0).
	Threshold float64
	// MaxRounds bounds the rounds (10 when <= 0).
	MaxRounds int
	// PerRound caps the pseudo-labels added per class per round, most
	// confident first (0: no cap).
	PerRound int
	// C is the logistic model's inverse regularization (1 when <= 0).
	C float64
	// Balanced keeps each round's pseudo-labels in the class proportions of
	// the given labels (most confident first), so the confident majority
	// class does not crowd out the others round after round.
	Balanced bool
}

// Completed is partly labeled data after self-training or propagation.
type Completed struct {
	// Labels has a class for every row that was labeled or pseudo-labeled
	// and Unlabeled for the rest.
	Labels []int `json:"labels"`
	// Pseudo marks the rows whose label is a pseudo-label.
	Pseudo []bool `json:"pseudo"`
	// Confidence is the probability behind each pseudo-label (1 for given
	// labels, 0 for unresolved rows).
	Confidence []float64 `json:"confidence"`
	// Model is the last logistic model (SelfTrain only).
	Model  *text.Logistic `json:"model,omitempty"`
	Report SemiReport     `json:"report"`
}

// SelfTrain fits logistic regression on the labeled rows of x (y[i] in
// [0, k) or Unlabeled), then repeatedly labels the unlabeled rows predicted
// with at least Threshold probability and refits, until a round adds nothing.
func SelfTrain(ctx context.Context, x *text.CSR, y []int, k int, p SelfParams) (*Completed, error) {
	if len(y) != x.Rows {
		return nil, fmt.Errorf("self-train: %d rows and %d labels", x.Rows, len(y))
	}
	if p.Threshold <= 0 {
		p.Threshold = 0.9
	}
	if p.MaxRounds <= 0 {
		p.MaxRounds = 10
	}
	out := newCompleted(y)
	if out.Report.Labeled == 0 {
		return nil, fmt.Errorf("self-train: no labeled rows")
	}
	prior := make([]float64, k)
	for _, l := range y {
		if l != Unlabeled && l < k {
			prior[l]++
		}
	}
	for c := range prior {
		prior[c] /= float64(out.Report.Labeled)
	}
	for round := 1; round <= p.MaxRounds; round++ {
		var rows, labs []int
		for i, l := range out.Labels {
			if l != Unlabeled {
				rows = append(rows, i)
				labs = append(labs, l)
			}
		}
		m, err := text.FitLogistic(ctx, x.SelectRows(rows), labs, k, text.LogisticParams{C: p.C})
		if err != nil {
			return nil, fmt.Errorf("self-train round %d: %w", round, err)
		}
		out.Model = m
		out.Report.Rounds = round
		type cand struct {
			row, class int
			p          float64
		}
		var cands []cand
		var unl []int
		for i, l := range out.Labels {
			if l == Unlabeled {
				unl = append(unl, i)
			}
		}
		if len(unl) == 0 {
			break
		}
		probs := m.PredictProba(x.SelectRows(unl))
		for j, pr := range probs {
			best := 0
			for c, v := range pr {
				if v > pr[best] {
					best = c
				}
			}
			if pr[best] >= p.Threshold {
				cands = append(cands, cand{unl[j], best, pr[best]})
			}
		}
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].p > cands[b].p })
		added := 0
		perClass := make([]int, k)
		quota := classQuota(cands, prior, p.Balanced, func(c cand) int { return c.class })
		for _, c := range cands {
			if p.PerRound > 0 && perClass[c.class] >= p.PerRound {
				continue
			}
			if quota != nil && perClass[c.class] >= quota[c.class] {
				continue
			}
			perClass[c.class]++
			out.Labels[c.row], out.Pseudo[c.row], out.Confidence[c.row] = c.class, true, c.p
			added++
		}
		if added == 0 {
			break
		}
	}
	out.finish()
	return out, nil
}

func newCompleted(y []int) *Completed {
	out := &Completed{Labels: append([]int(nil), y...), Pseudo: make([]bool, len(y)), Confidence: make([]float64, len(y))}
	for i, l := range y {
		if l != Unlabeled {
			out.Report.Labeled++
			out.Confidence[i] = 1
		}
	}
	return out
}

func (c *Completed) finish() {
	r := &c.Report
	r.Pseudo, r.Unresolved = 0, 0
	r.MinConfidence = math.Inf(1)
	var sum float64
	for i, l := range c.Labels {
		switch {
		case c.Pseudo[i]:
			r.Pseudo++
			sum += c.Confidence[i]
			r.MinConfidence = min(r.MinConfidence, c.Confidence[i])
		case l == Unlabeled:
			r.Unresolved++
		}
	}
	if r.Pseudo > 0 {
		r.MeanConfidence = sum / float64(r.Pseudo)
		r.PseudoShare = float64(r.Pseudo) / float64(r.Pseudo+r.Labeled)
	} else {
		r.MinConfidence = 0
	}
}

// PropagateParams configures Propagate.
type PropagateParams struct {
	// Neighbors is the k of the k-nearest-neighbour graph (7 when <= 0).
	Neighbors int
	// Alpha is how much a row takes from its neighbours versus its initial
	// label (0.8 when <= 0), as in label spreading.
	Alpha float64
	// Iterations bounds the spreading passes (30 when <= 0).
	Iterations int
	// Threshold is the lowest share of label mass a row must reach to get a
	// pseudo-label (0 labels every reachable row).
	Threshold float64
	// Balanced keeps the pseudo-labels in the class proportions of the given
	// labels, most confident first.
	Balanced bool
}

// Propagate spreads labels over a symmetric k-nearest-neighbour graph of the
// rows (Euclidean distance, uniform edge weights, row-normalized), the
// label-spreading iteration F ← αSF + (1−α)Y. It costs O(n²) distances, so it
// suits a few thousand rows.
func Propagate(x *text.CSR, y []int, k int, p PropagateParams) (*Completed, error) {
	n := x.Rows
	if len(y) != n {
		return nil, fmt.Errorf("propagate: %d rows and %d labels", n, len(y))
	}
	if p.Neighbors <= 0 {
		p.Neighbors = 7
	}
	if p.Alpha <= 0 {
		p.Alpha = 0.8
	}
	if p.Iterations <= 0 {
		p.Iterations = 30
	}
	out := newCompleted(y)
	if out.Report.Labeled == 0 {
		return nil, fmt.Errorf("propagate: no labeled rows")
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = dense(x, i)
	}
	nb := make([][]int, n)
	type pair struct {
		j int
		d float64
	}
	ds := make([]pair, 0, n)
	for i := range n {
		ds = ds[:0]
		for j := range n {
			if j == i {
				continue
			}
			var d float64
			for c, v := range rows[i] {
				e := v - rows[j][c]
				d += e * e
			}
			ds = append(ds, pair{j, d})
		}
		sort.Slice(ds, func(a, b int) bool {
			if ds[a].d != ds[b].d {
				return ds[a].d < ds[b].d
			}
			return ds[a].j < ds[b].j
		})
		for _, q := range ds[:min(p.Neighbors, len(ds))] {
			nb[i] = append(nb[i], q.j)
		}
	}
	// Symmetrize.
	adj := make([]map[int]bool, n)
	for i := range adj {
		adj[i] = map[int]bool{}
	}
	for i, js := range nb {
		for _, j := range js {
			adj[i][j], adj[j][i] = true, true
		}
	}
	lists := make([][]int, n)
	for i, m := range adj {
		for j := range m {
			lists[i] = append(lists[i], j)
		}
		sort.Ints(lists[i])
	}
	y0 := make([][]float64, n)
	f := make([][]float64, n)
	for i := range n {
		y0[i] = make([]float64, k)
		if y[i] != Unlabeled {
			y0[i][y[i]] = 1
		}
		f[i] = append([]float64(nil), y0[i]...)
	}
	next := make([][]float64, n)
	for i := range next {
		next[i] = make([]float64, k)
	}
	for range p.Iterations {
		for i := range n {
			clear(next[i])
			if len(lists[i]) > 0 {
				w := p.Alpha / float64(len(lists[i]))
				for _, j := range lists[i] {
					for c, v := range f[j] {
						next[i][c] += w * v
					}
				}
			}
			for c, v := range y0[i] {
				next[i][c] += (1 - p.Alpha) * v
			}
		}
		f, next = next, f
	}
	type cand struct {
		row, class int
		p          float64
	}
	var cands []cand
	for i := range n {
		if y[i] != Unlabeled {
			continue
		}
		var tot float64
		best := 0
		for c, v := range f[i] {
			tot += v
			if v > f[i][best] {
				best = c
			}
		}
		if tot == 0 {
			continue
		}
		conf := f[i][best] / tot
		if conf < p.Threshold {
			continue
		}
		cands = append(cands, cand{i, best, conf})
	}
	prior := make([]float64, k)
	for _, l := range y {
		if l != Unlabeled && l < k {
			prior[l] += 1 / float64(out.Report.Labeled)
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].p > cands[b].p })
	quota := classQuota(cands, prior, p.Balanced, func(c cand) int { return c.class })
	taken := make([]int, k)
	for _, c := range cands {
		if quota != nil && taken[c.class] >= quota[c.class] {
			continue
		}
		taken[c.class]++
		out.Labels[c.row], out.Pseudo[c.row], out.Confidence[c.row] = c.class, true, c.p
	}
	out.Report.Rounds = p.Iterations
	out.finish()
	return out, nil
}

// classQuota returns how many candidates of each class a balanced round may
// add: the largest total whose split by the prior every class can fill, at
// least one per class that has a candidate. Nil when not balanced.
func classQuota[C any](cands []C, prior []float64, balanced bool, class func(C) int) []int {
	if !balanced {
		return nil
	}
	avail := make([]int, len(prior))
	for _, c := range cands {
		avail[class(c)]++
	}
	total := math.Inf(1)
	for c, p := range prior {
		if p > 0 {
			total = min(total, float64(avail[c])/p)
		}
	}
	quota := make([]int, len(prior))
	for c, p := range prior {
		quota[c] = min(avail[c], max(1, int(math.Round(total*p))))
	}
	return quota
}
