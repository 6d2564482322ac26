package image

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Arch describes a Net: the input shape, the output channels of each
// convolution block (3×3 same conv, ReLU, 2×2 max pool), an optional hidden
// dense layer and the number of classes.
type Arch struct {
	Channels int   `json:"channels"`
	Height   int   `json:"height"`
	Width    int   `json:"width"`
	Blocks   []int `json:"blocks"`
	Hidden   int   `json:"hidden,omitempty"`
	Classes  int   `json:"classes"`
}

// Net is a small convolutional network. Params holds every weight in one
// slab; the layout follows from Arch.
type Net struct {
	Arch   Arch      `json:"arch"`
	Params []float32 `json:"params"`

	lay layout
}

// layer offsets into the parameter slab.
type convLayer struct {
	cin, cout, h, w int // input shape of the conv (output has the same h, w)
	wOff, bOff      int
}

type layout struct {
	convs       []convLayer
	flat        int // values after the last pool
	hW, hB      int // hidden layer (when Hidden > 0)
	oW, oB, oIn int // output layer and its input width
	size        int
}

func (a Arch) layout() (layout, error) {
	var l layout
	c, h, w := a.Channels, a.Height, a.Width
	if c <= 0 || h <= 0 || w <= 0 || a.Classes < 2 {
		return l, fmt.Errorf("net: bad architecture %+v", a)
	}
	off := 0
	for _, co := range a.Blocks {
		if h < 2 || w < 2 {
			return l, fmt.Errorf("net: %d blocks shrink a %dx%d input to nothing", len(a.Blocks), a.Height, a.Width)
		}
		cl := convLayer{cin: c, cout: co, h: h, w: w, wOff: off}
		off += co * c * 9
		cl.bOff = off
		off += co
		l.convs = append(l.convs, cl)
		c, h, w = co, h/2, w/2
	}
	l.flat = c * h * w
	in := l.flat
	if a.Hidden > 0 {
		l.hW = off
		off += a.Hidden * in
		l.hB = off
		off += a.Hidden
		in = a.Hidden
	}
	l.oIn = in
	l.oW = off
	off += a.Classes * in
	l.oB = off
	off += a.Classes
	l.size = off
	return l, nil
}

// NewNet returns a network with He-initialized weights drawn from seed.
func NewNet(a Arch, seed uint64) (*Net, error) {
	l, err := a.layout()
	if err != nil {
		return nil, err
	}
	n := &Net{Arch: a, Params: make([]float32, l.size), lay: l}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	fill := func(off, count, fanIn int) {
		s := math.Sqrt(2 / float64(fanIn))
		for i := range count {
			n.Params[off+i] = float32(rng.NormFloat64() * s)
		}
	}
	for _, c := range l.convs {
		fill(c.wOff, c.cout*c.cin*9, c.cin*9)
	}
	if a.Hidden > 0 {
		fill(l.hW, a.Hidden*l.flat, l.flat)
	}
	fill(l.oW, a.Classes*l.oIn, l.oIn)
	return n, nil
}

func (n *Net) ensureLayout() error {
	if n.lay.size != 0 {
		return nil
	}
	l, err := n.Arch.layout()
	if err != nil {
		return err
	}
	if l.size != len(n.Params) {
		return fmt.Errorf("net: %d parameters, architecture needs %d", len(n.Params), l.size)
	}
	n.lay = l
	return nil
}

// Layer is one layer of a Net as an exporter reads it: W and B are views
// into Net.Params. A convolution's W holds Out×In 3×3 kernels row-major
// (out channel, in channel, kernel row, kernel column), applied as a
// cross-correlation, which is ONNX Conv's layout; a dense layer's W holds Out
// rows of In weights. B has Out values.
type Layer struct {
	In, Out int
	W, B    []float32
}

// Layers returns the network's weights by layer: one convolution per block,
// the hidden dense layer (Out 0 when there is none) and the output layer.
func (n *Net) Layers() (convs []Layer, hidden, out Layer, err error) {
	if err := n.ensureLayout(); err != nil {
		return nil, Layer{}, Layer{}, err
	}
	p, l := n.Params, n.lay
	for _, c := range l.convs {
		convs = append(convs, Layer{In: c.cin, Out: c.cout, W: p[c.wOff:c.bOff], B: p[c.bOff : c.bOff+c.cout]})
	}
	if h := n.Arch.Hidden; h > 0 {
		hidden = Layer{In: l.flat, Out: h, W: p[l.hW:l.hB], B: p[l.hB : l.hB+h]}
	}
	k := n.Arch.Classes
	out = Layer{In: l.oIn, Out: k, W: p[l.oW:l.oB], B: p[l.oB : l.oB+k]}
	return convs, hidden, out, nil
}

// scratch holds one sample's activations and gradients.
type scratch struct {
	conv   [][]float32 // post-ReLU conv output per block
	pool   [][]float32 // pooled output per block
	arg    [][]int32   // argmax (index into conv) per pooled cell
	hid    []float32
	logits []float64
	dconv  [][]float32
	dpool  [][]float32
	dhid   []float32
	din    [][]float32 // gradient wrt each block's input (blocks > 0)
}

func (n *Net) newScratch() *scratch {
	s := &scratch{}
	for _, c := range n.lay.convs {
		sz := c.cout * c.h * c.w
		psz := c.cout * (c.h / 2) * (c.w / 2)
		s.conv = append(s.conv, make([]float32, sz))
		s.dconv = append(s.dconv, make([]float32, sz))
		s.pool = append(s.pool, make([]float32, psz))
		s.dpool = append(s.dpool, make([]float32, psz))
		s.arg = append(s.arg, make([]int32, psz))
		s.din = append(s.din, make([]float32, c.cin*c.h*c.w))
	}
	s.hid = make([]float32, n.Arch.Hidden)
	s.dhid = make([]float32, n.Arch.Hidden)
	s.logits = make([]float64, n.Arch.Classes)
	return s
}

// forward computes the logits of one input x into s.logits.
func (n *Net) forward(x []float32, s *scratch) {
	p := n.Params
	in := x
	for b, c := range n.lay.convs {
		out := s.conv[b]
		convForward(in, out, p[c.wOff:c.wOff+c.cout*c.cin*9], p[c.bOff:c.bOff+c.cout], c.cin, c.cout, c.h, c.w)
		for i, v := range out {
			if v < 0 {
				out[i] = 0
			}
		}
		maxPool(out, s.pool[b], s.arg[b], c.cout, c.h, c.w)
		in = s.pool[b]
	}
	if len(n.lay.convs) == 0 {
		in = x
	}
	if n.Arch.Hidden > 0 {
		dense(in, s.hid, p[n.lay.hW:], p[n.lay.hB:n.lay.hB+n.Arch.Hidden])
		for i, v := range s.hid {
			if v < 0 {
				s.hid[i] = 0
			}
		}
		in = s.hid
	}
	for k := range s.logits {
		row := p[n.lay.oW+k*n.lay.oIn : n.lay.oW+(k+1)*n.lay.oIn]
		s.logits[k] = float64(dot(row, in)) + float64(p[n.lay.oB+k])
	}
}

// backward adds the gradient of the cross-entropy of class y at input x
// (after forward) to g and returns the loss.
func (n *Net) backward(x []float32, y int, s *scratch, g []float32) float64 {
	p := n.Params
	lg := s.logits
	m := math.Inf(-1)
	for _, v := range lg {
		m = max(m, v)
	}
	var se float64
	for _, v := range lg {
		se += math.Exp(v - m)
	}
	lse := m + math.Log(se)
	loss := lse - lg[y]
	nb := len(n.lay.convs)
	var top []float32 // input of the output layer
	switch {
	case n.Arch.Hidden > 0:
		top = s.hid
	case nb > 0:
		top = s.pool[nb-1]
	default:
		top = x
	}
	var dtop []float32
	switch {
	case n.Arch.Hidden > 0:
		dtop = s.dhid
	case nb > 0:
		dtop = s.dpool[nb-1]
	}
	clear(dtop)
	oIn := n.lay.oIn
	for k := range lg {
		d := float32(math.Exp(lg[k] - lse))
		if k == y {
			d--
		}
		gw := g[n.lay.oW+k*oIn : n.lay.oW+(k+1)*oIn]
		axpy(d, top, gw)
		g[n.lay.oB+k] += d
		if dtop != nil {
			axpy(d, p[n.lay.oW+k*oIn:n.lay.oW+(k+1)*oIn], dtop)
		}
	}
	if n.Arch.Hidden > 0 {
		var in []float32
		var din []float32
		if nb > 0 {
			in = s.pool[nb-1]
			din = s.dpool[nb-1]
			clear(din)
		} else {
			in = x
		}
		flat := n.lay.flat
		for h, v := range s.hid {
			d := s.dhid[h]
			if v <= 0 || d == 0 {
				continue
			}
			axpy(d, in, g[n.lay.hW+h*flat:n.lay.hW+(h+1)*flat])
			g[n.lay.hB+h] += d
			if din != nil {
				axpy(d, p[n.lay.hW+h*flat:n.lay.hW+(h+1)*flat], din)
			}
		}
	}
	for b := nb - 1; b >= 0; b-- {
		c := n.lay.convs[b]
		dc := s.dconv[b]
		clear(dc)
		conv := s.conv[b]
		for i, a := range s.arg[b] {
			if conv[a] > 0 {
				dc[a] += s.dpool[b][i]
			}
		}
		in := x
		if b > 0 {
			in = s.pool[b-1]
		}
		var din []float32
		if b > 0 {
			din = s.dpool[b-1]
			clear(din)
		}
		convBackward(in, dc, p[c.wOff:c.wOff+c.cout*c.cin*9], g[c.wOff:c.wOff+c.cout*c.cin*9], g[c.bOff:c.bOff+c.cout], din, c.cin, c.cout, c.h, c.w)
	}
	return loss
}
