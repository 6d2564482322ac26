package gbdt

import (
	"fmt"
	"math"
)

// objective computes gradients and starting scores.
type objective struct {
	kind   string // binary, multiclass, regression
	k      int    // outputs
	sig    float64
	label  []float64
	weight []float64 // per-row weight (sample weight times class weight); nil = 1
	ilabel []int32   // class of each row (classification)
}

func newObjective(p *Params, label, sampleWeight []float64) (*objective, error) {
	o := &objective{kind: p.Objective, k: 1, sig: p.Sigmoid, label: label}
	n := len(label)
	if o.kind == "multiclass" {
		o.k = p.NumClass
	}
	if o.kind == "regression" {
		for i, y := range label {
			if math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("label of row %d is %v, want a finite number", i, y)
			}
		}
		o.weight = sampleWeight
		return o, nil
	}
	nc := 2
	if o.kind == "multiclass" {
		nc = o.k
	}
	o.ilabel = make([]int32, n)
	counts := make([]float64, nc)
	for i, y := range label {
		c := int(y)
		if float64(c) != y || c < 0 || c >= nc {
			return nil, fmt.Errorf("label of row %d is %v, want an integer class in [0, %d)", i, y, nc)
		}
		o.ilabel[i] = int32(c)
		counts[c]++
	}
	cw := make([]float64, nc)
	for c := range cw {
		cw[c] = 1
	}
	switch {
	case len(p.ClassWeight) > 0:
		if len(p.ClassWeight) != nc {
			return nil, fmt.Errorf("class_weight has %d weights, want %d", len(p.ClassWeight), nc)
		}
		copy(cw, p.ClassWeight)
	case p.IsUnbalance && nc == 2:
		if counts[0] > 0 && counts[1] > 0 {
			if counts[1] > counts[0] {
				cw[0] = counts[1] / counts[0]
			} else {
				cw[1] = counts[0] / counts[1]
			}
		}
	case p.IsUnbalance:
		for c := range cw {
			if counts[c] > 0 {
				cw[c] = float64(n) / (float64(nc) * counts[c])
			}
		}
	}
	if nc == 2 {
		cw[1] *= p.ScalePosWeight
	}
	uniform := sampleWeight == nil
	for _, w := range cw {
		if w != 1 {
			uniform = false
		}
	}
	if !uniform {
		o.weight = make([]float64, n)
		for i := range o.weight {
			w := cw[o.ilabel[i]]
			if sampleWeight != nil {
				w *= sampleWeight[i]
			}
			o.weight[i] = w
		}
	}
	return o, nil
}

// initScores returns the starting raw score per output (boost from average:
// log-odds, log class priors or the mean), computed with sample weights.
func (o *objective) initScores(sampleWeight []float64) []float64 {
	init := make([]float64, o.k)
	w := func(i int) float64 {
		if sampleWeight == nil {
			return 1
		}
		return sampleWeight[i]
	}
	sw := 0.0
	for i := range o.label {
		sw += w(i)
	}
	if sw <= 0 {
		return init
	}
	switch o.kind {
	case "regression":
		s := 0.0
		for i, y := range o.label {
			s += y * w(i)
		}
		init[0] = s / sw
	case "binary":
		s := 0.0
		for i, c := range o.ilabel {
			if c == 1 {
				s += w(i)
			}
		}
		pavg := min(max(s/sw, 1e-15), 1-1e-15)
		init[0] = math.Log(pavg/(1-pavg)) / o.sig
	case "multiclass":
		pk := make([]float64, o.k)
		for i, c := range o.ilabel {
			pk[c] += w(i)
		}
		for c := range pk {
			init[c] = math.Log(max(pk[c]/sw, 1e-15))
		}
	}
	return init
}

// gradients fills grad/hess (class-major, n per output) for rows [lo, hi)
// from scores (class-major).
func (o *objective) gradients(score []float64, grad, hess []float32, lo, hi int) {
	n := len(o.label)
	switch o.kind {
	case "regression":
		s, y := score[lo:hi], o.label[lo:hi]
		g, h := grad[lo:hi], hess[lo:hi]
		for i := range s {
			g[i] = float32(s[i] - y[i])
			h[i] = 1
		}
	case "binary":
		sig := o.sig
		s, y := score[lo:hi], o.ilabel[lo:hi]
		g, h := grad[lo:hi], hess[lo:hi]
		for i := range s {
			p := 1 / (1 + math.Exp(-sig*s[i]))
			g[i] = float32(sig * (p - float64(y[i])))
			h[i] = float32(sig * sig * p * (1 - p))
		}
	case "multiclass":
		k := o.k
		factor := float64(k) / float64(k-1)
		var buf [64]float64
		p := buf[:0]
		if k > len(buf) {
			p = make([]float64, k)
		} else {
			p = buf[:k]
		}
		for i := lo; i < hi; i++ {
			for c := 0; c < k; c++ {
				p[c] = score[c*n+i]
			}
			softmax(p)
			y := int(o.ilabel[i])
			for c := 0; c < k; c++ {
				pc := p[c]
				gc := pc
				if c == y {
					gc = pc - 1
				}
				grad[c*n+i] = float32(gc)
				hess[c*n+i] = float32(factor * pc * (1 - pc))
			}
		}
	}
	if o.weight != nil {
		for c := 0; c < o.k; c++ {
			g, h := grad[c*n+lo:c*n+hi], hess[c*n+lo:c*n+hi]
			w := o.weight[lo:hi]
			for i := range g {
				g[i] = float32(float64(g[i]) * w[i])
				h[i] = float32(float64(h[i]) * w[i])
			}
		}
	}
}
