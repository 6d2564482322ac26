package prep

import (
	"math"
	"math/rand/v2"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// targetVector writes the statistic target of one row: the class indicator
// per class for multiclass, the 0/1 label or value otherwise.
func targetVector(y float64, k int, dst []float64) {
	if k == 1 {
		dst[0] = y
		return
	}
	clear(dst)
	dst[int(y)] = 1
}

// fitTargetEncoding fits smoothed per-level target statistics and the
// out-of-fold values of the fit rows.
func fitTargetEncoding(s *Step, c *frame.Column, y []float64, label *Label, opts Options) {
	s.Encoder = EncTarget
	k := 1
	if label.Task == profile.Multiclass {
		k = label.NumClasses()
		for _, cl := range label.Classes {
			s.Out = append(s.Out, c.Name+"__te_"+cl)
		}
	} else {
		s.Out = []string{c.Name + "__te"}
	}
	levels, _ := levelCounts(c)
	if c.NumMissing() > 0 {
		levels = append(levels, "") // missing is a level of its own
	}
	s.Levels = levels
	s.prepare()
	n := c.Len()
	code := make([]int32, n)
	for i := range code {
		code[i], _ = s.index.get(c.Value(i)) // Value is "" when missing
	}
	m := opts.Smoothing
	vec := make([]float64, k)
	// Full-data statistics, used at predict time.
	sums, counts, prior := levelSums(code, y, len(levels), k, func(int) bool { return true })
	s.Prior = prior
	s.Stats = make([][]float64, len(levels))
	for l := range levels {
		s.Stats[l] = smoothed(sums[l*k:(l+1)*k], counts[l], prior, m)
	}
	// Out-of-fold values for the fit rows.
	fold := make([]int, n)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x7e))
	for pos, i := range rng.Perm(n) {
		fold[i] = pos % opts.Folds
	}
	s.oof = make([][]float64, k)
	for j := range s.oof {
		s.oof[j] = make([]float64, n)
	}
	for f := range opts.Folds {
		fs, fc, fp := levelSums(code, y, len(levels), k, func(i int) bool { return fold[i] != f })
		for i := range n {
			if fold[i] != f {
				continue
			}
			l := code[i]
			for j := range k {
				if fc[l] == 0 && m == 0 {
					vec[j] = fp[j]
				} else {
					vec[j] = (fs[int(l)*k+j] + m*fp[j]) / (float64(fc[l]) + m)
				}
				s.oof[j][i] = vec[j]
			}
		}
	}
	// Standardize with the out-of-fold distribution, which is what the
	// learner sees at fit.
	s.Center, s.Scale = slicesOf(k, 0), slicesOf(k, 1)
	for j := range k {
		mean, ss := 0.0, 0.0
		for _, v := range s.oof[j] {
			mean += v
		}
		mean /= float64(n)
		for _, v := range s.oof[j] {
			ss += (v - mean) * (v - mean)
		}
		s.Center[j] = mean
		if sd := math.Sqrt(ss / float64(n)); sd > 0 {
			s.Scale[j] = sd
		}
	}
}

// levelSums sums target vectors per level over the rows that use selects.
func levelSums(code []int32, y []float64, nlevels, k int, use func(int) bool) (sums []float64, counts []int, prior []float64) {
	sums = make([]float64, nlevels*k)
	counts = make([]int, nlevels)
	prior = make([]float64, k)
	vec := make([]float64, k)
	total := 0
	for i, l := range code {
		if !use(i) {
			continue
		}
		targetVector(y[i], k, vec)
		for j := range k {
			sums[int(l)*k+j] += vec[j]
			prior[j] += vec[j]
		}
		counts[l]++
		total++
	}
	for j := range prior {
		if total > 0 {
			prior[j] /= float64(total)
		}
	}
	return sums, counts, prior
}

// smoothed is (sum + m·prior) / (count + m) per output.
func smoothed(sum []float64, count int, prior []float64, m float64) []float64 {
	out := make([]float64, len(sum))
	for j := range out {
		if count == 0 && m == 0 {
			out[j] = prior[j]
			continue
		}
		out[j] = (sum[j] + m*prior[j]) / (float64(count) + m)
	}
	return out
}

func slicesOf(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// outOfFold writes the scaled out-of-fold encoding computed at fit.
func (s *Step) outOfFold(c *frame.Column, cols [][]float64) error {
	if s.oof == nil || len(s.oof[0]) != c.Len() {
		return s.fillColumns(c, cols, true)
	}
	for j, col := range cols {
		for i, v := range s.oof[j] {
			col[i] = (v - s.Center[j]) / s.Scale[j]
		}
	}
	return nil
}
