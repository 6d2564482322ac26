package cli

import (
	"context"
	"fmt"
	"math"

	"github.com/trainyard/trainyard/ml/cluster"
	"github.com/trainyard/trainyard/ml/text"
)

// Choosing k: every k from 2 to maxAutoK (and below the number of rows) is clustered and
// scored by the mean silhouette on an evenly spaced sample of at most silhouetteSample rows;
// the best wins.
const (
	maxAutoK         = 10
	silhouetteSample = 1500
)

// chooseK returns the k with the best silhouette and the score of every k tried.
func chooseK(ctx context.Context, x *text.CSR, seed uint64) (int, map[int]float64, error) {
	n := x.Rows
	if n < 3 {
		return 1, nil, nil
	}
	sample := make([]int, min(n, silhouetteSample))
	for i := range sample {
		sample[i] = i * n / len(sample)
	}
	dist := pairwiseDistances(x.SelectRows(sample))
	scores := map[int]float64{}
	best, bestK := -2.0, 2
	for k := 2; k <= min(maxAutoK, n-1); k++ {
		res, err := cluster.KMeans(ctx, x, k, cluster.Params{Seed: seed, Restarts: 2})
		if err != nil {
			return 0, nil, fmt.Errorf("k = %d: %w", k, err)
		}
		assign := make([]int, len(sample))
		for i, r := range sample {
			assign[i] = res.Assign[r]
		}
		s := silhouette(dist, assign, k)
		scores[k] = s
		if s > best+1e-9 {
			best, bestK = s, k
		}
	}
	return bestK, scores, nil
}

// pairwiseDistances returns the Euclidean distances between the rows of x, as a flat
// row-major matrix.
func pairwiseDistances(x *text.CSR) []float32 {
	n := x.Rows
	norms := make([]float64, n)
	dense := make([]float64, x.Cols)
	for i := range n {
		_, v := x.Row(i)
		for _, a := range v {
			norms[i] += float64(a) * float64(a)
		}
	}
	d := make([]float32, n*n)
	for i := range n {
		idx, val := x.Row(i)
		for j, c := range idx {
			dense[c] = float64(val[j])
		}
		for k := i + 1; k < n; k++ {
			ik, vk := x.Row(k)
			var dot float64
			for j, c := range ik {
				dot += dense[c] * float64(vk[j])
			}
			v := float32(sqrtPos(norms[i] + norms[k] - 2*dot))
			d[i*n+k], d[k*n+i] = v, v
		}
		for _, c := range idx {
			dense[c] = 0
		}
	}
	return d
}

// silhouette is the mean over rows of (b − a)/max(a, b), where a is the mean distance to the
// row's own cluster and b to the nearest other cluster (0 for a row alone in its cluster).
func silhouette(dist []float32, assign []int, k int) float64 {
	n := len(assign)
	sizes := make([]int, k)
	for _, c := range assign {
		sizes[c]++
	}
	var total float64
	sums := make([]float64, k)
	for i := range n {
		clear(sums)
		row := dist[i*n : (i+1)*n]
		for j, c := range assign {
			sums[c] += float64(row[j])
		}
		own := assign[i]
		if sizes[own] <= 1 {
			continue
		}
		a := sums[own] / float64(sizes[own]-1)
		b := -1.0
		for c := range k {
			if c != own && sizes[c] > 0 {
				if m := sums[c] / float64(sizes[c]); b < 0 || m < b {
					b = m
				}
			}
		}
		if b < 0 || max(a, b) == 0 {
			continue
		}
		total += (b - a) / max(a, b)
	}
	return total / float64(n)
}

func sqrtPos(v float64) float64 {
	if v <= 0 {
		return 0
	}
	return math.Sqrt(v)
}
