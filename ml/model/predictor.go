package model

import (
	"fmt"
	"slices"
	"sync"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/linear"
	"github.com/trainyard/trainyard/ml/prep"
)

// Predictor makes predictions from raw rows with a validated Artifact. It is
// safe for concurrent use.
type Predictor struct {
	a       *Artifact
	width   int
	members []member
	expl    *explainer
	scratch sync.Pool
	// blocks holds *blockBuf for batch prediction.
	blocks sync.Pool
	// hasText: a text member makes batches take the column path.
	hasText bool
	// compiled: every member is a compiled tree ensemble.
	compiled bool
	// at holds per pipeline the schema position of each step's column
	// (PredictValues); nil when a step reads a column outside the schema.
	at [][]int
}

type member struct {
	weight float64 // normalized to sum to 1
	pipe   int
	trees  *gbdt.Model
	lin    *linear.Model
	text   *textMember
	// ts is trees compiled for batches, nil when the block form cannot
	// hold them (see compileTrees).
	ts *treeSet
	// binary trees give the probability of class 1 only.
	binary bool
}

// scratch holds one goroutine's buffers.
type scratch struct {
	x    [][]float64 // encoded features per pipeline
	text [][]string
	xr   []float64 // float32-rounded features for trees
	out  []float64 // one member's outputs
	raw  []float64 // raw scores (contributions)
	phi  []float64 // contributions per feature
	// keys and walk are one row's tree keys and the compiled trees' scratch (treeSet.predictRow).
	keys []uint32
	walk walkBuf
}

// Prediction is the result for one row.
type Prediction struct {
	// Label is the predicted class label (classifiers), chosen by
	// Artifact.ClassOf (the decision threshold of a binary classifier).
	Label string
	// Class is the index of Label in the artifact's Classes (classifiers).
	Class int
	// Probabilities of every class in Classes order (classifiers). Its
	// storage is reused when the caller passes the same Prediction again.
	Probabilities []float64
	// Value is the predicted value (regression).
	Value float64
}

// NewPredictor validates a and prepares it for prediction.
func NewPredictor(a *Artifact) (*Predictor, error) {
	if a.Image != nil {
		return nil, fmt.Errorf("predictor: %w", ErrImageModel)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("predictor: %w", err)
	}
	p := &Predictor{a: a, width: a.width()}
	total := 0.0
	for _, m := range a.Members {
		total += m.Weight
	}
	for _, m := range a.Members {
		pm := member{weight: m.Weight / total, pipe: m.Pipeline, trees: m.Trees, lin: m.Linear}
		if m.Text != nil {
			idx, err := m.Text.textIndex(a.Pipelines[m.Pipeline].TextNames)
			if err != nil {
				return nil, fmt.Errorf("predictor: %w", err)
			}
			pm.text = &textMember{m: m.Text, idx: idx}
		}
		pm.binary = a.Task == Binary && m.Trees != nil
		if m.Trees != nil {
			pm.ts, _ = compileTrees(m.Trees)
		}
		p.hasText = p.hasText || pm.text != nil
		p.members = append(p.members, pm)
	}
	p.compiled = true
	for i := range p.members {
		p.compiled = p.compiled && p.members[i].ts != nil
	}
	p.blocks.New = func() any { return p.newBlockBuf() }
	p.at = schemaPositions(a)
	p.expl = newExplainer(a)
	np := len(a.Pipelines)
	trees, stride := 0, 0
	for i := range p.members {
		if ts := p.members[i].ts; ts != nil {
			trees, stride = max(trees, len(ts.roots)), max(stride, ts.stride())
		}
	}
	p.scratch.New = func() any {
		return &scratch{x: make([][]float64, np), text: make([][]string, np), out: make([]float64, max(p.width, 2)),
			keys: make([]uint32, stride), walk: newWalkBuf(1, trees)}
	}
	return p, nil
}

// Artifact returns the artifact the predictor uses; do not modify it.
func (p *Predictor) Artifact() *Artifact { return p.a }

// Classes returns the class labels in output order (nil for a regression).
func (p *Predictor) Classes() []string { return p.a.Classes }

// Task returns Binary, Multiclass or Regression.
func (p *Predictor) Task() string { return p.a.Task }

// PredictMap predicts one row given as column name → value (string,
// float64, float32, int, int64, json.Number, bool, time.Time or nil for
// missing). Columns the model does not read are ignored; a missing input
// column is an error naming it (*frame.MissingColumnsError). The result is
// written into dst, reusing its storage.
func (p *Predictor) PredictMap(row map[string]any, dst *Prediction) error {
	s := p.scratch.Get().(*scratch)
	defer p.scratch.Put(s)
	for i, pl := range p.a.Pipelines {
		x, text, err := pl.EncodeMap(row, s.x[i], s.text[i])
		if err != nil {
			return err
		}
		s.x[i], s.text[i] = x, text
	}
	p.finish(s, dst)
	return nil
}

// PredictValues predicts one row given as the value of each schema column,
// in Artifact.Schema order (the values PredictMap takes, by position
// instead of by name), into dst.
func (p *Predictor) PredictValues(vals []any, dst *Prediction) error {
	if len(vals) != len(p.a.Schema) {
		return fmt.Errorf("predict: %d values for the %d columns of the schema", len(vals), len(p.a.Schema))
	}
	if p.at == nil {
		row := make(map[string]any, len(vals))
		for i, c := range p.a.Schema {
			row[c.Name] = vals[i]
		}
		return p.PredictMap(row, dst)
	}
	s := p.scratch.Get().(*scratch)
	defer p.scratch.Put(s)
	for i, pl := range p.a.Pipelines {
		x, text, err := pl.EncodeValues(vals, p.at[i], s.x[i], s.text[i])
		if err != nil {
			return err
		}
		s.x[i], s.text[i] = x, text
	}
	p.finish(s, dst)
	return nil
}

// schemaPositions returns per pipeline of a the schema position of each
// step's column, or nil when a step reads a column outside the schema.
func schemaPositions(a *Artifact) [][]int {
	names := make([]string, len(a.Schema))
	for i, c := range a.Schema {
		names[i] = c.Name
	}
	at := make([][]int, len(a.Pipelines))
	for i, pl := range a.Pipelines {
		var err error
		if at[i], err = pl.Positions(names); err != nil {
			return nil
		}
	}
	return at
}

// finish runs the members on the encoded features in s.
func (p *Predictor) finish(s *scratch, dst *Prediction) {
	w := p.width
	var acc []float64
	if p.a.Task == Regression {
		dst.Value = 0
	} else {
		if cap(dst.Probabilities) < w {
			dst.Probabilities = make([]float64, w)
		}
		acc = dst.Probabilities[:w]
		dst.Probabilities = acc
		clear(acc)
	}
	for i := range p.members {
		m := &p.members[i]
		out := s.out[:max(w, 2)]
		x := s.x[m.pipe]
		if m.trees != nil {
			if m.ts != nil && m.ts.score != nil {
				m.ts.predictRow(x, s.keys, &s.walk, out)
			} else {
				s.xr = roundFloat32(s.xr, x)
				m.trees.Predict(s.xr, out)
			}
			if m.binary {
				out[1] = out[0]
				out[0] = 1 - out[1]
			}
		} else if m.text != nil {
			m.text.predictRow(x, s.text[m.pipe], out)
		} else {
			m.lin.PredictProba(x, out)
		}
		if acc == nil {
			dst.Value += m.weight * out[0]
			continue
		}
		for c := range acc {
			acc[c] += m.weight * out[c]
		}
	}
	if acc != nil {
		best := p.a.settle(acc)
		dst.Class, dst.Label = best, p.a.Classes[best]
	}
}

// roundFloat32 copies x into dst with every value rounded to float32.
func roundFloat32(dst, x []float64) []float64 {
	if cap(dst) < len(x) {
		dst = make([]float64, len(x))
	}
	dst = dst[:len(x)]
	for j, v := range x {
		dst[j] = float64(float32(v))
	}
	return dst
}

// Record predicts rows given as string cells in the order of a header.
// It is safe for concurrent use.
type Record struct {
	p   *Predictor
	enc []*prep.RowEncoder
	// direct holds per member the record field of each of its features
	// when batches may turn cells straight into tree keys (see putKeys),
	// nil otherwise; need is then the fields a record must have.
	direct [][]int
	need   int
	// digits holds per member of direct the keys of one-digit cells (see
	// digitKeys).
	digits [][10]uint32
}

// Bind prepares record prediction for rows whose cells follow header.
// Header fields the model does not read are ignored; a missing input column
// is an error naming it (*frame.MissingColumnsError).
func (p *Predictor) Bind(header []string) (*Record, error) {
	r := &Record{p: p}
	for _, pl := range p.a.Pipelines {
		e, err := pl.NewRowEncoder(header)
		if err != nil {
			return nil, err
		}
		r.enc = append(r.enc, e)
	}
	r.bindDirect()
	return r, nil
}

// bindDirect sets r.direct when every member is a compiled tree ensemble
// without categorical splits reading a pipeline of its own whose outputs
// are plain record numbers (prep.RowEncoder.NumberFields): a key is then
// keyOf of its cell's number, and the float64 features that Encode would
// build in between can be skipped. A pipeline shared by several members
// is read through Encode once rather than parsed once per member.
func (r *Record) bindDirect() {
	p := r.p
	if !p.compiled {
		return
	}
	direct := make([][]int, len(p.members))
	used := make([]bool, len(p.a.Pipelines))
	for i := range p.members {
		m := &p.members[i]
		fields := r.enc[m.pipe].NumberFields()
		if fields == nil || used[m.pipe] || len(fields) != m.ts.nfeat || slices.Contains(m.ts.cat, true) {
			return
		}
		used[m.pipe] = true
		direct[i] = fields
		for _, f := range fields {
			r.need = max(r.need, f+1)
		}
	}
	r.direct = direct
	r.digits = r.digitKeys()
}

// Predict predicts one record into dst. Cells equal to a missing marker
// (such as "" or "NA") are missing; a cell that cannot be read as its
// column's type is an error naming the column.
func (r *Record) Predict(rec []string, dst *Prediction) error {
	p := r.p
	s := p.scratch.Get().(*scratch)
	defer p.scratch.Put(s)
	if err := r.encode(s, rec); err != nil {
		return err
	}
	p.finish(s, dst)
	return nil
}

func (r *Record) encode(s *scratch, rec []string) error {
	for i, e := range r.enc {
		x, text, err := e.Encode(rec, s.x[i], s.text[i])
		if err != nil {
			return err
		}
		s.x[i], s.text[i] = x, text
	}
	return nil
}
