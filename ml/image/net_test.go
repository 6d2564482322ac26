package image

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNetGradient compares backward's gradient with central differences of
// the loss (computed in float64 from float32 activations, so the tolerance
// is loose but still catches any wrong term).
func TestNetGradient(t *testing.T) {
	for _, a := range []Arch{
		{Channels: 2, Height: 6, Width: 5, Blocks: []int{3, 4}, Hidden: 5, Classes: 3},
		{Channels: 1, Height: 4, Width: 4, Blocks: []int{2}, Classes: 2},
		{Channels: 1, Height: 3, Width: 3, Hidden: 4, Classes: 3},
	} {
		n, err := NewNet(a, 1)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, 7))
		for i := range n.Params {
			n.Params[i] += float32(rng.NormFloat64() * 0.05)
		}
		x := make([]float32, a.Channels*a.Height*a.Width)
		for i := range x {
			x[i] = float32(rng.Float64())
		}
		y := a.Classes - 1
		s := n.newScratch()
		g := make([]float32, len(n.Params))
		n.forward(x, s)
		n.backward(x, y, s, g)
		loss := func() float64 {
			n.forward(x, s)
			z := append([]float64(nil), s.logits...)
			softmaxInPlace(z)
			return -math.Log(z[y])
		}
		bad := 0
		for i := range n.Params {
			const h = 1e-3
			old := n.Params[i]
			n.Params[i] = old + h
			fp := loss()
			n.Params[i] = old - h
			fm := loss()
			n.Params[i] = old
			num := (fp - fm) / (2 * h)
			if d := math.Abs(num - float64(g[i])); d > 1e-3+0.02*math.Abs(num) {
				bad++
				if bad < 5 {
					t.Errorf("%+v: grad[%d] = %v, numeric %v", a, i, g[i], num)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%+v: %d of %d gradients off", a, bad, len(n.Params))
		}
	}
}
