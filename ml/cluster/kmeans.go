package cluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/trainyard/trainyard/ml/text"
)

// Params configures KMeans.
type Params struct {
	// Seed fixes the k-means++ draws.
	Seed uint64
	// Restarts is how many seeded starts to try, keeping the lowest inertia
	// (4 when <= 0).
	Restarts int
	// MaxIter bounds the Lloyd iterations per start (100 when <= 0).
	MaxIter int
}

// Result is a clustering.
type Result struct {
	// Centroids has one dense row per cluster.
	Centroids [][]float64 `json:"centroids"`
	// Assign is the cluster of each row.
	Assign []int `json:"assign"`
	// Sizes counts the rows per cluster.
	Sizes []int `json:"sizes"`
	// Inertia is the sum of squared distances to the assigned centroids.
	Inertia    float64 `json:"inertia"`
	Iterations int     `json:"iterations"`
}

// KMeans clusters the rows of x into k groups. The same seed gives the same
// result on any number of cores.
func KMeans(ctx context.Context, x *text.CSR, k int, p Params) (*Result, error) {
	if k < 1 || k > x.Rows {
		return nil, fmt.Errorf("kmeans: %d clusters for %d rows", k, x.Rows)
	}
	if p.Restarts <= 0 {
		p.Restarts = 4
	}
	if p.MaxIter <= 0 {
		p.MaxIter = 100
	}
	norms := rowNorms(x)
	var best *Result
	for r := range p.Restarts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(p.Seed, uint64(r)+1))
		res := lloyd(ctx, x, norms, seedPlusPlus(x, norms, k, rng), p.MaxIter)
		if best == nil || res.Inertia < best.Inertia {
			best = res
		}
	}
	return best, nil
}

// seedPlusPlus picks k starting centroids by k-means++: each next one is a
// row drawn with probability proportional to its squared distance to the
// nearest centroid so far.
func seedPlusPlus(x *text.CSR, norms []float64, k int, rng *rand.Rand) [][]float64 {
	cents := make([][]float64, 0, k)
	first := rng.IntN(x.Rows)
	cents = append(cents, dense(x, first))
	d2 := make([]float64, x.Rows)
	for i := range d2 {
		d2[i] = dist2(x, i, norms[i], cents[0], sqnorm(cents[0]))
	}
	for len(cents) < k {
		var tot float64
		for _, v := range d2 {
			tot += v
		}
		next := rng.IntN(x.Rows)
		if tot > 0 {
			u := rng.Float64() * tot
			for i, v := range d2 {
				u -= v
				if u <= 0 {
					next = i
					break
				}
			}
		}
		c := dense(x, next)
		cents = append(cents, c)
		cn := sqnorm(c)
		for i := range d2 {
			d2[i] = min(d2[i], dist2(x, i, norms[i], c, cn))
		}
	}
	return cents
}

func lloyd(ctx context.Context, x *text.CSR, norms []float64, cents [][]float64, maxIter int) *Result {
	k := len(cents)
	assign := make([]int, x.Rows)
	for i := range assign {
		assign[i] = -1
	}
	res := &Result{}
	for it := range maxIter {
		res.Iterations = it + 1
		var moved int
		moved, res.Inertia = assignNearest(x, norms, cents, assign)
		// Recompute centroids; an empty cluster keeps its old centroid.
		sizes := make([]int, k)
		sums := make([][]float64, k)
		for c := range sums {
			sums[c] = make([]float64, x.Cols)
		}
		for i, c := range assign {
			sizes[c]++
			idx, val := x.Row(i)
			for j, col := range idx {
				sums[c][col] += float64(val[j])
			}
		}
		for c := range cents {
			if sizes[c] == 0 {
				continue
			}
			for j := range sums[c] {
				sums[c][j] /= float64(sizes[c])
			}
			cents[c] = sums[c]
		}
		res.Sizes = sizes
		if moved == 0 || ctx.Err() != nil {
			break
		}
	}
	res.Centroids, res.Assign = cents, assign
	return res
}

// Assign joins every row of x to its nearest centroid, as a k-means step does. It extends a
// clustering fitted on a sample of the rows to all of them. The result shares centroids; its
// Iterations is 0 since no centroid moves.
func Assign(x *text.CSR, centroids [][]float64) *Result {
	res := &Result{Centroids: centroids, Assign: make([]int, x.Rows), Sizes: make([]int, len(centroids))}
	_, res.Inertia = assignNearest(x, rowNorms(x), centroids, res.Assign)
	for _, c := range res.Assign {
		res.Sizes[c]++
	}
	return res
}

// assignNearest sets assign[i] to the centroid nearest row i (the first on ties), splitting
// the rows across the cores, and returns how many rows changed cluster and the sum of squared
// distances. norms holds each row's squared norm.
func assignNearest(x *text.CSR, norms []float64, cents [][]float64, assign []int) (moved int, inertia float64) {
	cn := make([]float64, len(cents))
	for c := range cents {
		cn[c] = sqnorm(cents[c])
	}
	workers := runtime.GOMAXPROCS(0)
	changed := make([]int, workers)
	inert := make([]float64, workers)
	var wg sync.WaitGroup
	per := (x.Rows + workers - 1) / workers
	for t := range workers {
		lo, hi := min(t*per, x.Rows), min((t+1)*per, x.Rows)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				bc, bd := 0, math.Inf(1)
				for c := range cents {
					if d := dist2(x, i, norms[i], cents[c], cn[c]); d < bd {
						bc, bd = c, d
					}
				}
				if assign[i] != bc {
					assign[i] = bc
					changed[t]++
				}
				inert[t] += bd
			}
		}()
	}
	wg.Wait()
	for t := range workers {
		inertia += inert[t]
		moved += changed[t]
	}
	return moved, inertia
}

// rowNorms returns the squared norm of every row of x.
func rowNorms(x *text.CSR) []float64 {
	norms := make([]float64, x.Rows)
	for i := range norms {
		_, v := x.Row(i)
		for _, a := range v {
			norms[i] += float64(a) * float64(a)
		}
	}
	return norms
}

func dense(x *text.CSR, i int) []float64 {
	out := make([]float64, x.Cols)
	idx, val := x.Row(i)
	for j, c := range idx {
		out[c] = float64(val[j])
	}
	return out
}

func sqnorm(v []float64) float64 {
	var s float64
	for _, a := range v {
		s += a * a
	}
	return s
}

// dist2 is ‖x_i − c‖² = ‖x_i‖² − 2 x_i·c + ‖c‖², floored at zero.
func dist2(x *text.CSR, i int, xn float64, c []float64, cn float64) float64 {
	idx, val := x.Row(i)
	var d float64
	for j, col := range idx {
		d += float64(val[j]) * c[col]
	}
	return max(0, xn-2*d+cn)
}

// TopTerms returns, for each cluster, the n terms with the highest centroid
// weight; terms[j] names column j (a text.Vectorizer's Terms).
func TopTerms(r *Result, terms []string, n int) [][]string {
	out := make([][]string, len(r.Centroids))
	for c, cent := range r.Centroids {
		cols := make([]int, len(cent))
		for j := range cols {
			cols[j] = j
		}
		sort.SliceStable(cols, func(a, b int) bool { return cent[cols[a]] > cent[cols[b]] })
		for _, j := range cols[:min(n, len(cols))] {
			if cent[j] <= 0 || j >= len(terms) {
				break
			}
			out[c] = append(out[c], terms[j])
		}
	}
	return out
}

// FeatureRange describes one feature inside one cluster.
type FeatureRange struct {
	Name string  `json:"name"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	// Z is how far the cluster mean lies from the overall mean, in overall
	// standard deviations; the features come sorted by |Z|, largest first.
	Z float64 `json:"z"`
}

// Ranges describes each cluster by its n most distinctive features. rows are
// the original (unscaled) feature values, one slice per row.
func Ranges(rows [][]float64, names []string, assign []int, k, n int) [][]FeatureRange {
	d := len(names)
	gm, gs := make([]float64, d), make([]float64, d)
	for _, r := range rows {
		for j := range d {
			gm[j] += r[j]
		}
	}
	for j := range d {
		gm[j] /= float64(len(rows))
	}
	for _, r := range rows {
		for j := range d {
			gs[j] += (r[j] - gm[j]) * (r[j] - gm[j])
		}
	}
	for j := range d {
		gs[j] = math.Sqrt(gs[j] / float64(len(rows)))
	}
	out := make([][]FeatureRange, k)
	for c := range k {
		fr := make([]FeatureRange, d)
		cnt := 0
		for j := range d {
			fr[j] = FeatureRange{Name: names[j], Min: math.Inf(1), Max: math.Inf(-1)}
		}
		for i, r := range rows {
			if assign[i] != c {
				continue
			}
			cnt++
			for j := range d {
				fr[j].Min = min(fr[j].Min, r[j])
				fr[j].Max = max(fr[j].Max, r[j])
				fr[j].Mean += r[j]
			}
		}
		if cnt == 0 {
			continue
		}
		for j := range d {
			fr[j].Mean /= float64(cnt)
			if gs[j] > 0 {
				fr[j].Z = (fr[j].Mean - gm[j]) / gs[j]
			}
		}
		sort.SliceStable(fr, func(a, b int) bool { return math.Abs(fr[a].Z) > math.Abs(fr[b].Z) })
		out[c] = fr[:min(n, d)]
	}
	return out
}
