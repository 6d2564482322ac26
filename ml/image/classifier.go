package image

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	goimage "image"

	"github.com/trainyard/trainyard/ml/text"
)

// Shape is the size every image is scaled to before learning.
type Shape struct {
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
}

// Tensors decodes examples and scales them to s. With s.Channels zero it
// picks 1 when every image is gray and 3 otherwise, and with a zero size it
// uses the first image's size capped at 64×64 (28×28 when there are more
// than 20,000 images). It returns the chosen shape.
func Tensors(examples []Example, s Shape) ([][]float32, Shape, error) {
	imgs := make([]goimage.Image, len(examples))
	gray := true
	for i, e := range examples {
		img, err := Decode(e.Data)
		if err != nil {
			return nil, s, fmt.Errorf("image %s: %w", e.Name, err)
		}
		imgs[i] = img
		if s.Channels == 0 && gray && !IsGray(img) {
			gray = false
		}
	}
	if s.Channels == 0 {
		s.Channels = 3
		if gray {
			s.Channels = 1
		}
	}
	if s.Height == 0 || s.Width == 0 {
		limit := 64
		if len(examples) > 20000 {
			limit = 28
		}
		b := imgs[0].Bounds()
		s.Height, s.Width = min(b.Dy(), limit), min(b.Dx(), limit)
	}
	out := make([][]float32, len(imgs))
	for i, img := range imgs {
		out[i] = Tensor(img, s.Width, s.Height, s.Channels)
	}
	return out, s, nil
}

// ClassifierParams configures FitClassifier.
type ClassifierParams struct {
	// Budget is the wall-clock time for the whole fit (60 s when <= 0).
	Budget time.Duration
	// Seed fixes the validation split, initialization and shuffling.
	Seed uint64
	// Arch overrides the network's blocks and hidden width (defaults:
	// blocks 8, 16; hidden 64).
	Blocks []int
	Hidden int
	// Epochs is the most epochs for the network (30 when <= 0; fewer when
	// the budget allows fewer).
	Epochs int
	// ValidationShare is the share of rows held out to choose between the
	// network and the pixel baseline (0.1 when <= 0).
	ValidationShare float64
	// SkipNet trains only the pixel baseline.
	SkipNet bool
}

// Candidate reports one learner FitClassifier tried.
type Candidate struct {
	Learner            string        `json:"learner"`
	ValidationAccuracy float64       `json:"validationAccuracy"`
	Epochs             int           `json:"epochs,omitempty"`
	Duration           time.Duration `json:"duration"`
}

// Classifier predicts a class from an image: a Net or softmax regression on
// downscaled pixels. It round-trips through encoding/json.
type Classifier struct {
	Classes []string `json:"classes"`
	Shape   Shape    `json:"shape"`
	Learner string   `json:"learner"` // "cnn" or "pixels_logistic"
	Net     *Net     `json:"net,omitempty"`
	// Pixels is the baseline's side length (it sees Pixels×Pixels gray).
	Pixels     int            `json:"pixels,omitempty"`
	Logistic   *text.Logistic `json:"logistic,omitempty"`
	Candidates []Candidate    `json:"candidates"`
	// HeldOut are the indexes, into the examples FitClassifier learned from, of the ones it
	// held out to choose between its learners: no learner saw them, and the Candidates'
	// ValidationAccuracy is measured on them. A caller calibrating the probabilities on
	// pictures the model did not learn from predicts these. They are not saved with the
	// classifier: they index the caller's examples, which a saved model does not carry, and
	// would grow every deployed model by a tenth of its training set; a caller that needs them
	// after saving keeps them itself. Nil on a classifier that was loaded.
	HeldOut []int `json:"-"`
}

// heldOut splits n examples of k classes for FitClassifier: val are the ones it holds out to
// choose between its learners, the first ValidationShare (default 0.1, at least k) of a
// permutation drawn from p.Seed, and train the rest.
func (p ClassifierParams) heldOut(n, k int) (val, train []int) {
	share := p.ValidationShare
	if share <= 0 {
		share = 0.1
	}
	perm := rand.New(rand.NewPCG(p.Seed, 0xfeed)).Perm(n)
	nVal := min(n, max(k, int(share*float64(n))))
	return perm[:nVal], perm[nVal:]
}

// FitClassifier learns from labeled examples: the pixel baseline first, then
// the network with the rest of the budget, keeping the one with the higher
// accuracy on the examples it held out (the baseline wins ties); the
// classifier it returns says which those were (HeldOut).
func FitClassifier(ctx context.Context, examples []Example, p ClassifierParams) (*Classifier, error) {
	start := time.Now()
	if p.Budget <= 0 {
		p.Budget = 60 * time.Second
	}
	if p.Epochs <= 0 {
		p.Epochs = 30
	}
	if p.Blocks == nil {
		p.Blocks = []int{8, 16}
	}
	if p.Hidden == 0 {
		p.Hidden = 64
	}
	labels := make([]string, len(examples))
	for i, e := range examples {
		if e.Label == "" {
			return nil, fmt.Errorf("image %s has no label (put it in a class folder)", e.Name)
		}
		labels[i] = e.Label
	}
	classes := slices.Clone(labels)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) < 2 {
		return nil, fmt.Errorf("images: %d classes, need at least 2", len(classes))
	}
	y := make([]int, len(labels))
	for i, l := range labels {
		y[i], _ = slices.BinarySearch(classes, l)
	}
	x, shape, err := Tensors(examples, Shape{})
	if err != nil {
		return nil, err
	}
	valIdx, trIdx := p.heldOut(len(x), len(classes))
	pick := func(idx []int) ([][]float32, []int) {
		xs, ys := make([][]float32, len(idx)), make([]int, len(idx))
		for i, j := range idx {
			xs[i], ys[i] = x[j], y[j]
		}
		return xs, ys
	}
	trX, trY := pick(trIdx)
	vaX, vaY := pick(valIdx)
	c := &Classifier{Classes: classes, Shape: shape, HeldOut: valIdx}

	// Baseline: softmax regression on at most 16×16 gray pixels.
	t0 := time.Now()
	side := min(16, shape.Height, shape.Width)
	lr, err := text.FitLogistic(ctx, pixelRows(trX, shape, side), trY, len(classes), text.LogisticParams{C: 1, MaxIter: 100})
	if err != nil {
		return nil, fmt.Errorf("pixel baseline: %w", err)
	}
	baseAcc := accuracy(lr.PredictProba(pixelRows(vaX, shape, side)), vaY)
	c.Candidates = append(c.Candidates, Candidate{Learner: "pixels_logistic", ValidationAccuracy: baseAcc, Duration: time.Since(t0)})
	c.Learner, c.Logistic, c.Pixels = "pixels_logistic", lr, side

	left := p.Budget - time.Since(start)
	if p.SkipNet || left < time.Second {
		return c, nil
	}
	t0 = time.Now()
	net, err := NewNet(Arch{Channels: shape.Channels, Height: shape.Height, Width: shape.Width, Blocks: p.Blocks, Hidden: p.Hidden, Classes: len(classes)}, p.Seed)
	if err != nil {
		return nil, err
	}
	// Keep a tenth of what is left for prediction on the validation rows.
	rep, err := net.Train(ctx, trX, trY, TrainParams{Epochs: p.Epochs, Seed: p.Seed, Budget: left * 9 / 10, LR: 2e-3})
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	probs, err := net.PredictProba(vaX)
	if err != nil {
		return nil, err
	}
	netAcc := accuracy(probs, vaY)
	c.Candidates = append(c.Candidates, Candidate{Learner: "cnn", ValidationAccuracy: netAcc, Epochs: rep.Epochs, Duration: time.Since(t0)})
	if netAcc > baseAcc {
		c.Learner, c.Net, c.Logistic, c.Pixels = "cnn", net, nil, 0
	}
	return c, nil
}

// pixelRows downscales each tensor to side×side gray (box average) as CSR
// rows for the baseline.
func pixelRows(x [][]float32, s Shape, side int) *text.CSR {
	rows := make([][]float64, len(x))
	for i, t := range x {
		rows[i] = downscale(t, s, side)
	}
	m := text.FromDense(rows)
	m.Cols = side * side
	return m
}

func downscale(t []float32, s Shape, side int) []float64 {
	out := make([]float64, side*side)
	cnt := make([]float64, side*side)
	plane := s.Height * s.Width
	for c := range s.Channels {
		for y := range s.Height {
			for xx := range s.Width {
				o := cellOf(s, side, y, xx)
				out[o] += float64(t[c*plane+y*s.Width+xx])
				cnt[o]++
			}
		}
	}
	for i := range out {
		if cnt[i] > 0 {
			out[i] /= cnt[i]
		}
	}
	return out
}

// cellOf returns the cell of the side×side grid that pixel (y, x) of a
// plane of s is averaged into.
func cellOf(s Shape, side, y, x int) int {
	return y*side/s.Height*side + x*side/s.Width
}

// PixelAffine returns the pixel baseline as one affine map of a tensor, for
// exporters: the downscale to Pixels×Pixels gray is a box average, so it
// folds into the logistic weights. Row r of w (Channels·Height·Width
// weights, in tensor order) and b[r] give the score the logistic model's
// row r computes from the downscaled pixels. Two classes have one row, the
// log-odds of the second class (its probability is σ(score)); more classes
// have one row per class, turned into probabilities by a softmax.
func (c *Classifier) PixelAffine() (w [][]float64, b []float64, err error) {
	if c.Logistic == nil {
		return nil, nil, fmt.Errorf("image classifier has no pixel model")
	}
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	s, side := c.Shape, c.Pixels
	plane := s.Height * s.Width
	cnt := make([]float64, side*side)
	for y := range s.Height {
		for x := range s.Width {
			cnt[cellOf(s, side, y, x)] += float64(s.Channels)
		}
	}
	for _, coef := range c.Logistic.Coef {
		row := make([]float64, s.Channels*plane)
		for y := range s.Height {
			for x := range s.Width {
				o := cellOf(s, side, y, x)
				for ch := range s.Channels {
					row[ch*plane+y*s.Width+x] = coef[o] / cnt[o]
				}
			}
		}
		w = append(w, row)
	}
	return w, slices.Clone(c.Logistic.Intercept), nil
}

func accuracy(p [][]float64, y []int) float64 {
	ok := 0
	for i, r := range p {
		if argmax(r) == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(y))
}

func argmax(r []float64) int {
	best := 0
	for k, v := range r {
		if v > r[best] {
			best = k
		}
	}
	return best
}

// PredictProba returns the class probabilities (in Classes order) of each
// example.
func (c *Classifier) PredictProba(examples []Example) ([][]float64, error) {
	x, _, err := Tensors(examples, c.Shape)
	if err != nil {
		return nil, err
	}
	return c.PredictTensors(x)
}

// PredictTensors is PredictProba on tensors already shaped as c.Shape.
func (c *Classifier) PredictTensors(x [][]float32) ([][]float64, error) {
	if c.Net != nil {
		return c.Net.PredictProba(x)
	}
	if c.Logistic == nil {
		return nil, fmt.Errorf("image classifier has no model")
	}
	return c.Logistic.PredictProba(pixelRows(x, c.Shape, c.Pixels)), nil
}

// Predict returns the most probable class of each example.
func (c *Classifier) Predict(examples []Example) ([]string, error) {
	p, err := c.PredictProba(examples)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(p))
	for i, r := range p {
		out[i] = c.Classes[argmax(r)]
	}
	return out, nil
}

// Validate checks that c can predict without panicking: a positive shape,
// one model whose sizes agree with the shape and the classes.
func (c *Classifier) Validate() error {
	s := c.Shape
	if s.Channels != 1 && s.Channels != 3 || s.Height <= 0 || s.Width <= 0 || s.Height > 1024 || s.Width > 1024 {
		return fmt.Errorf("image shape %+v", s)
	}
	k := len(c.Classes)
	switch {
	case c.Net != nil:
		a := c.Net.Arch
		if a.Channels != s.Channels || a.Height != s.Height || a.Width != s.Width || a.Classes != k {
			return fmt.Errorf("network %+v does not match shape %+v and %d classes", a, s, k)
		}
		for _, b := range a.Blocks {
			if b <= 0 || b > 1024 {
				return fmt.Errorf("network block of %d channels", b)
			}
		}
		if a.Hidden < 0 || a.Hidden > 1<<16 {
			return fmt.Errorf("network hidden width %d", a.Hidden)
		}
		return c.Net.ensureLayout()
	case c.Logistic != nil:
		m := c.Logistic
		rows := k
		if k == 2 {
			rows = 1
		}
		if c.Pixels <= 0 || m.NumClasses != k || len(m.Coef) != rows || len(m.Intercept) != rows {
			return fmt.Errorf("pixel model for %d classes has %d weight rows", k, len(m.Coef))
		}
		for _, r := range m.Coef {
			if len(r) != c.Pixels*c.Pixels {
				return fmt.Errorf("pixel model row of %d weights, want %d", len(r), c.Pixels*c.Pixels)
			}
		}
		return nil
	}
	return fmt.Errorf("image classifier has no model")
}
