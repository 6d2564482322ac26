package image

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// TrainParams configures Net.Train.
type TrainParams struct {
	// Epochs is the most passes over the data (10 when <= 0). With a
	// Budget, the schedule is planned after the first epoch for the epochs
	// that fit.
	Epochs int
	// Batch is the mini-batch size (32 when <= 0).
	Batch int
	// LR is Adam's step size (1e-3 when <= 0); it follows a cosine decay to
	// a tenth of itself over the planned epochs.
	LR float64
	// L2 is a weight decay added to the gradient of the weights.
	L2 float64
	// SGD uses plain momentum SGD (momentum 0.9) instead of Adam.
	SGD bool
	// Seed fixes the shuffling order.
	Seed uint64
	// Budget, when positive, stops before an epoch that would not finish in
	// time (judged by the slowest epoch so far).
	Budget time.Duration
	// Workers splits each mini-batch across goroutines (GOMAXPROCS when <= 0).
	Workers int
	// Progress, when set, is called after every epoch.
	Progress func(epoch int, loss float64)
}

// TrainReport says what Train did.
type TrainReport struct {
	Epochs   int
	Loss     float64 // mean training loss of the last epoch
	Duration time.Duration
}

// Train fits the network to inputs x (each of Channels·Height·Width values)
// and classes y with mini-batch Adam (or SGD). Gradients of a batch are
// summed per worker and then in worker order, so a run is repeatable for a
// given seed and worker count.
func (n *Net) Train(ctx context.Context, x [][]float32, y []int, p TrainParams) (TrainReport, error) {
	start := time.Now()
	if err := n.ensureLayout(); err != nil {
		return TrainReport{}, err
	}
	if len(x) != len(y) || len(x) == 0 {
		return TrainReport{}, fmt.Errorf("net: %d inputs and %d labels", len(x), len(y))
	}
	in := n.Arch.Channels * n.Arch.Height * n.Arch.Width
	for i, r := range x {
		if len(r) != in {
			return TrainReport{}, fmt.Errorf("net: input %d has %d values, want %d", i, len(r), in)
		}
		if y[i] < 0 || y[i] >= n.Arch.Classes {
			return TrainReport{}, fmt.Errorf("net: label %d outside [0, %d)", y[i], n.Arch.Classes)
		}
	}
	if p.Epochs <= 0 {
		p.Epochs = 10
	}
	if p.Batch <= 0 {
		p.Batch = 32
	}
	if p.LR <= 0 {
		p.LR = 1e-3
	}
	if p.Workers <= 0 {
		p.Workers = runtime.GOMAXPROCS(0)
	}
	nw := min(p.Workers, p.Batch)
	scr := make([]*scratch, nw)
	grads := make([][]float32, nw)
	for i := range nw {
		scr[i] = n.newScratch()
		grads[i] = make([]float32, len(n.Params))
	}
	g := make([]float32, len(n.Params))
	m1 := make([]float32, len(n.Params))
	m2 := make([]float32, len(n.Params))
	rng := rand.New(rand.NewPCG(p.Seed, 0xc0ffee))
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	var rep TrainReport
	var slowest time.Duration
	step := 0
	planned := p.Epochs
	for ep := 0; ep < planned; ep++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if p.Budget > 0 && ep > 0 && time.Since(start)+slowest > p.Budget {
			break
		}
		epStart := time.Now()
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		lr := p.LR * (0.1 + 0.9*0.5*(1+math.Cos(math.Pi*float64(ep)/float64(planned))))
		var epLoss float64
		for b := 0; b < len(order); b += p.Batch {
			batch := order[b:min(b+p.Batch, len(order))]
			losses := make([]float64, nw)
			var wg sync.WaitGroup
			per := (len(batch) + nw - 1) / nw
			for t := range nw {
				lo, hi := min(t*per, len(batch)), min((t+1)*per, len(batch))
				wg.Add(1)
				go func() {
					defer wg.Done()
					gt := grads[t]
					clear(gt)
					for _, i := range batch[lo:hi] {
						n.forward(x[i], scr[t])
						losses[t] += n.backward(x[i], y[i], scr[t], gt)
					}
				}()
			}
			wg.Wait()
			clear(g)
			for t := range nw {
				axpy(1, grads[t], g)
				epLoss += losses[t]
			}
			step++
			n.update(g, m1, m2, float32(1/float64(len(batch))), lr, step, p)
		}
		rep.Epochs = ep + 1
		rep.Loss = epLoss / float64(len(x))
		if p.Progress != nil {
			p.Progress(ep+1, rep.Loss)
		}
		slowest = max(slowest, time.Since(epStart))
		if ep == 0 && p.Budget > 0 {
			// Plan the learning-rate schedule for the epochs that fit.
			fit := int((p.Budget-time.Since(start))/slowest) + 1
			planned = max(1, min(planned, fit))
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// update applies one optimizer step with the summed gradient g scaled by
// scale.
func (n *Net) update(g, m1, m2 []float32, scale float32, lr float64, step int, p TrainParams) {
	params := n.Params
	g = g[:len(params)]
	m1 = m1[:len(params)]
	m2 = m2[:len(params)]
	l2 := float32(p.L2)
	if p.SGD {
		flr := float32(lr)
		for i := range params {
			gi := g[i]*scale + l2*params[i]
			m1[i] = 0.9*m1[i] + gi
			params[i] -= flr * m1[i]
		}
		return
	}
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1 := float32(1 - math.Pow(b1, float64(step)))
	c2 := float32(1 - math.Pow(b2, float64(step)))
	flr := float32(lr)
	for i := range params {
		gi := g[i]*scale + l2*params[i]
		m1[i] = b1*m1[i] + (1-b1)*gi
		m2[i] = b2*m2[i] + (1-b2)*gi*gi
		mh := m1[i] / c1
		vh := m2[i] / c2
		params[i] -= flr * mh / (float32(math.Sqrt(float64(vh))) + eps)
	}
}

// PredictProba returns the class probabilities of each input, computed on
// all cores.
func (n *Net) PredictProba(x [][]float32) ([][]float64, error) {
	if err := n.ensureLayout(); err != nil {
		return nil, err
	}
	in := n.Arch.Channels * n.Arch.Height * n.Arch.Width
	out := make([][]float64, len(x))
	nw := min(runtime.GOMAXPROCS(0), max(1, len(x)))
	per := (len(x) + nw - 1) / nw
	var wg sync.WaitGroup
	errs := make([]error, nw)
	for t := range nw {
		lo, hi := min(t*per, len(x)), min((t+1)*per, len(x))
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := n.newScratch()
			for i := lo; i < hi; i++ {
				if len(x[i]) != in {
					errs[t] = fmt.Errorf("net: input %d has %d values, want %d", i, len(x[i]), in)
					return
				}
				n.forward(x[i], s)
				p := make([]float64, len(s.logits))
				copy(p, s.logits)
				softmaxInPlace(p)
				out[i] = p
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func softmaxInPlace(z []float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		z[i] = math.Exp(v - m)
		s += z[i]
	}
	for i := range z {
		z[i] /= s
	}
}
