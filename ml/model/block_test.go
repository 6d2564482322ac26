package model

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/trainyard/trainyard/ml/gbdt"
	"github.com/trainyard/trainyard/ml/prep"
)

// edgeRecords returns the records of tb followed by records whose cells are
// replaced, one column at a time, by missing markers, infinities, huge
// values, unseen categories, and every split threshold of the model with
// its float32 neighbours (as text).
func edgeRecords(tb *table, th map[string][]float64) [][]string {
	recs := append([][]string(nil), tb.recs...)
	e := 0
	for ci, h := range tb.header {
		vals := []string{"", "NA", "inf", "-inf", "1e30", "-1e30", "0", "-0", "never-seen", "1e-45", "62.5", "63", "64", "100", "200", "300", "1e9"}
		for _, t := range th[h] {
			f := float32(t)
			for _, g := range []float32{f, math.Nextafter32(f, float32(math.Inf(1))), math.Nextafter32(f, float32(math.Inf(-1)))} {
				vals = append(vals, strconv.FormatFloat(float64(g), 'g', -1, 32))
			}
			vals = append(vals, strconv.FormatFloat(t, 'g', -1, 64))
		}
		for _, v := range vals {
			r := append([]string(nil), tb.recs[(e*13+ci)%len(tb.recs)]...)
			r[ci] = v
			recs = append(recs, r)
			e++
		}
	}
	return recs
}

// sameFloat is exact equality with NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || (a != a && b != b) }

// TestBlockPathMatchesColumnPath checks that the block-wise batch path
// (compiled trees over keys) gives bit for bit what the column path (gbdt
// over float32-rounded columns) and single-row prediction give, on dataset
// rows and edge rows, for every kind of member and task, with and without a
// decision threshold, and for a model the block form cannot compile.
func TestBlockPathMatchesColumnPath(t *testing.T) {
	type tc struct {
		name string
		a    *Artifact
		tb   *table
	}
	var cases []tc
	for _, c := range []struct{ file, target string }{
		{"telco_churn.csv", "churn"},
		{"breast_cancer.csv", "diagnosis"},
		{"iris.csv", "species"},
		{"diabetes.csv", "disease_progression"},
		{"penguins.csv", "species"},
		{"titanic.csv", "Survived"},
	} {
		a, tb, _ := treesArtifact(t, c.file, c.target, 40)
		cases = append(cases, tc{"gbdt/" + c.file, a, tb})
	}
	a, tb := forestArtifact(t, "penguins.csv", "species", 10)
	cases = append(cases, tc{"forest/penguins.csv", a, tb})
	a, tb = forestArtifact(t, "breast_cancer.csv", "diagnosis", 10)
	cases = append(cases, tc{"forest/breast_cancer.csv", a, tb})
	a, tb = blendArtifact(t, "penguins.csv", "species")
	cases = append(cases, tc{"blend/penguins.csv", a, tb})
	a, tb = linearArtifact(t, "telco_churn.csv", "churn", 0)
	cases = append(cases, tc{"linear/telco_churn.csv", a, tb})
	thr := *cases[0].a
	thr.Threshold = 0.3
	cases = append(cases, tc{"gbdt-threshold/telco_churn.csv", &thr, cases[0].tb})

	// Categorical splits with codes past one word, and a feature split
	// both as a number and as a category, which the block form leaves to
	// gbdt.
	wide, wtb, _ := treesArtifact(t, "telco_churn.csv", "churn", 20)
	mixed, _, _ := treesArtifact(t, "telco_churn.csv", "churn", 20)
	catFeature := -1
	for ti := range wide.Members[0].Trees.Trees {
		for ni, n := range wide.Members[0].Trees.Trees[ti].Nodes {
			if n.Categorical && len(n.Categories) > 0 {
				base := max(63, n.Categories[len(n.Categories)-1]+1)
				wide.Members[0].Trees.Trees[ti].Nodes[ni].Categories = append(n.Categories, base, base+37, base+200+ti)
				catFeature = n.Feature
			}
		}
	}
	if catFeature < 0 {
		t.Fatal("telco model has no categorical split")
	}
	moved := false
	for ti := range mixed.Members[0].Trees.Trees {
		nodes := mixed.Members[0].Trees.Trees[ti].Nodes
		for ni := range nodes {
			if n := &nodes[ni]; !moved && !n.Leaf && !n.Categorical {
				n.Feature, moved = catFeature, true
			}
		}
	}
	if !moved {
		t.Fatal("telco model has no numerical split")
	}
	cases = append(cases, tc{"gbdt-wide-categories/telco_churn.csv", wide, wtb}, tc{"gbdt-mixed-feature/telco_churn.csv", mixed, wtb})

	for _, c := range cases {
		p, err := NewPredictor(c.a)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if wantCompiled := c.a != mixed && c.a.Members[0].Trees != nil; wantCompiled != (p.members[0].ts != nil) {
			t.Errorf("%s: compiled = %v, want %v", c.name, p.members[0].ts != nil, wantCompiled)
		}
		recs := edgeRecords(c.tb, thresholds(c.a))
		rec, err := p.Bind(c.tb.header)
		if err != nil {
			t.Fatal(err)
		}
		checkRecordPaths(t, c.name, rec, recs)

		// Frames: the block path against combine on the same columns.
		fgot, err := p.PredictFrame(context.Background(), c.tb.frame)
		if err != nil {
			t.Fatal(err)
		}
		var cols [][][]float64
		for _, pl := range c.a.Pipelines {
			m, err := pl.Transform(c.tb.frame)
			if err != nil {
				t.Fatal(err)
			}
			cols = append(cols, m.Cols)
		}
		fwant, err := p.combine(context.Background(), cols, make([][][]string, len(cols)), c.tb.frame.NRows())
		if err != nil {
			t.Fatal(err)
		}
		compareBatches(t, c.name+" frame", fgot, fwant)
	}
}

// checkRecordPaths checks that PredictBatch gives bit for bit what the
// column path and single-row prediction give on recs, and fails the same
// rows with the same errors.
func checkRecordPaths(t *testing.T, name string, rec *Record, recs [][]string) {
	t.Helper()
	got, err := rec.PredictBatch(context.Background(), recs)
	if err != nil {
		t.Fatalf("%s: PredictBatch = %v", name, err)
	}
	want, err := rec.predictColumns(context.Background(), recs)
	if err != nil {
		t.Fatalf("%s: predictColumns = %v", name, err)
	}
	if len(got.Errors) != len(want.Errors) {
		t.Fatalf("%s: %d row errors, column path %d", name, len(got.Errors), len(want.Errors))
	}
	for i := range got.Errors {
		if g, w := got.Errors[i], want.Errors[i]; g.Row != w.Row || g.Err.Error() != w.Err.Error() {
			t.Fatalf("%s: row error %d is %v, column path %v", name, i, g, w)
		}
	}
	compareBatches(t, name+" records", got, want)
	checkLines(t, name, rec, recs)
	var d Prediction
	failed := map[int]bool{}
	for _, e := range got.Errors {
		failed[e.Row] = true
	}
	for i, r := range recs {
		if failed[i] {
			continue
		}
		if err := rec.Predict(r, &d); err != nil {
			t.Fatalf("%s row %d: Predict = %v", name, i, err)
		}
		if got.Values != nil {
			if !sameFloat(d.Value, got.Values[i]) {
				t.Fatalf("%s row %d: batch %v, single row %v", name, i, got.Values[i], d.Value)
			}
			continue
		}
		if d.Class != got.Class[i] {
			t.Fatalf("%s row %d: batch class %d, single row %d", name, i, got.Class[i], d.Class)
		}
		for k, v := range d.Probabilities {
			if !sameFloat(v, got.Probabilities[i*got.Width+k]) {
				t.Fatalf("%s row %d: batch %v, single row %v", name, i, got.Probabilities[i*got.Width:(i+1)*got.Width], d.Probabilities)
			}
		}
	}
}

// TestDirectKeys checks which records the batch path turns straight into
// tree keys (models whose every input is a plain number read by a compiled
// tree member of its own) and that it predicts them, and fails the others,
// exactly as the general path does: missing markers, markers that read as
// numbers, spaces, cells that are not numbers and short records included.
func TestDirectKeys(t *testing.T) {
	tb := readTable(t, "breast_cancer.csv")
	fit, err := prep.FitTransform(context.Background(), tb.frame, prep.Options{
		Target: "diagnosis", Mode: prep.Trees, MissingMarkers: []string{"", "NA", "?", "-1", " 0.5 ", "7"}})
	if err != nil {
		t.Fatal(err)
	}
	numeric, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{trainTrees(t, fit, 30)}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{trainTrees(t, fit, 20), trainTrees(t, fit, 30)}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	// A numeric input read by categorical splits takes catKeyOf's keys.
	catMember := trainTrees(t, fit, 30)
	catFeature := catMember.Trees.Trees[0].Nodes[0].Feature
	for _, tr := range catMember.Trees.Trees {
		for i := range tr.Nodes {
			if n := &tr.Nodes[i]; !n.Leaf && n.Feature == catFeature {
				n.Categorical, n.Categories = true, []int{0, 1, 3}
			}
		}
	}
	categorical, err := New([]*prep.Pipeline{fit.Pipeline}, []Member{catMember}, Training{})
	if err != nil {
		t.Fatal(err)
	}
	telco, telcoTable, _ := treesArtifact(t, "telco_churn.csv", "churn", 20)
	blend, blendTable := blendArtifact(t, "breast_cancer.csv", "diagnosis")
	for _, c := range []struct {
		name   string
		a      *Artifact
		tb     *table
		direct bool
	}{
		{"numeric", numeric, tb, true},
		{"shared-pipeline", twice, tb, false},
		{"categorical-splits", categorical, tb, false},
		{"categories", telco, telcoTable, false},
		{"blend", blend, blendTable, false},
	} {
		p, err := NewPredictor(c.a)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := p.Bind(c.tb.header)
		if err != nil {
			t.Fatal(err)
		}
		if p.members[0].ts == nil {
			t.Fatalf("%s: not compiled", c.name)
		}
		if (rec.direct != nil) != c.direct {
			t.Errorf("%s: direct = %v, want %v", c.name, rec.direct != nil, c.direct)
		}
		recs := edgeRecords(c.tb, thresholds(c.a))
		for i, cell := range []string{"?", " NA", "-1", " -1 ", "-1.0", "0.5", " 0.5 ", "1,5", " 2.25", "1e400", "0x10", "nan", "+3", "7", "0", "9", "07"} {
			r := append([]string(nil), c.tb.recs[i]...)
			r[(3*i+1)%len(r)] = cell
			recs = append(recs, r)
		}
		for n := range len(c.tb.header) {
			recs = append(recs, c.tb.recs[0][:n])
		}
		checkRecordPaths(t, c.name, rec, recs)
	}
}

// checkLines checks that PredictLines gives bit for bit what PredictBatch
// gives on the lines' fields as encoding/csv reads them (lines without
// quotes split at every comma), and fails the same rows with the same
// errors, on recs joined into lines, the same lines with a cell more,
// with every cell quoted and every other cell quoted (quoted numbers,
// missing markers and empty cells; quoted commas and quotes where a cell
// has them), with a last cell holding a quoted comma, doubled quotes or a
// line break, and on empty and comma-only lines.
func checkLines(t *testing.T, name string, rec *Record, recs [][]string) {
	t.Helper()
	lines := []string{"", ",", ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", `""`, `"",""`}
	for _, r := range recs {
		l := strings.Join(r, ",")
		lines = append(lines, l, l+",extra", quoteCells(r, 1), quoteCells(r, 2),
			l+`,"a,b"`, l+`,"say ""hi"""`, l+",\"two\r\nlines\"", quoteCells(r, 1)+`,"a,b"`)
	}
	split := make([][]string, len(lines))
	for i, l := range lines {
		split[i] = csvFields(t, l)
	}
	got, err := rec.PredictLines(context.Background(), lines)
	if err != nil {
		t.Fatalf("%s: PredictLines = %v", name, err)
	}
	want, err := rec.PredictBatch(context.Background(), split)
	if err != nil {
		t.Fatalf("%s: PredictBatch of the lines' fields = %v", name, err)
	}
	if len(got.Errors) != len(want.Errors) {
		t.Fatalf("%s: PredictLines has %d row errors, PredictBatch %d", name, len(got.Errors), len(want.Errors))
	}
	for i := range got.Errors {
		if g, w := got.Errors[i], want.Errors[i]; g.Row != w.Row || g.Err.Error() != w.Err.Error() {
			t.Fatalf("%s: PredictLines row error %d is %v, PredictBatch %v", name, i, g, w)
		}
	}
	compareBatches(t, name+" lines", got, want)
}

// quoteCells joins r into a CSV line, quoting every k-th cell (doubling
// its quotes).
func quoteCells(r []string, k int) string {
	q := make([]string, len(r))
	for i, c := range r {
		q[i] = c
		if i%k == 0 {
			q[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
	}
	return strings.Join(q, ",")
}

// csvFields returns the fields of line: split at every comma without
// quotes, else as encoding/csv reads it.
func csvFields(t *testing.T, line string) []string {
	t.Helper()
	if !strings.Contains(line, `"`) {
		return strings.Split(line, ",")
	}
	cr := csv.NewReader(strings.NewReader(line))
	cr.FieldsPerRecord = -1
	f, err := cr.Read()
	if err != nil {
		t.Fatalf("read %q: %v", line, err)
	}
	return f
}

// TestPredictLinesBadQuotes: a line that is not valid CSV fails
// PredictLines with a RowError naming it and encoding/csv's error, even
// after lines with plain and other quotes.
func TestPredictLinesBadQuotes(t *testing.T) {
	a, tb, _ := treesArtifact(t, "breast_cancer.csv", "diagnosis", 5)
	p, err := NewPredictor(a)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Bind(tb.header)
	if err != nil {
		t.Fatal(err)
	}
	good := strings.Join(tb.recs[0], ",")
	for _, bad := range []string{good + `,"open`, good + `,a"b`, good + `,"a"b`, `"` + good} {
		lines := []string{good, quoteCells(tb.recs[1], 1), good + `,"a,b"`, bad, good + `,"`}
		_, err := rec.PredictLines(context.Background(), lines)
		_, wantErr := csv.NewReader(strings.NewReader(bad)).Read()
		var re RowError
		if !errors.As(err, &re) || re.Row != 3 || wantErr == nil || re.Err.Error() != wantErr.Error() {
			t.Errorf("PredictLines with %q on row 3 = %v, want row 3 failing with %v", bad, err, wantErr)
		}
	}
}

func compareBatches(t *testing.T, name string, got, want *Batch) {
	t.Helper()
	if got.N != want.N || got.Width != want.Width {
		t.Fatalf("%s: batch %d x %d, want %d x %d", name, got.N, got.Width, want.N, want.Width)
	}
	for i := range got.Values {
		if !sameFloat(got.Values[i], want.Values[i]) {
			t.Fatalf("%s row %d: value %v, want %v", name, i, got.Values[i], want.Values[i])
		}
	}
	for i := range got.Class {
		if got.Class[i] != want.Class[i] {
			t.Fatalf("%s row %d: class %d, want %d", name, i, got.Class[i], want.Class[i])
		}
	}
	for i := range got.Probabilities {
		if !sameFloat(got.Probabilities[i], want.Probabilities[i]) {
			t.Fatalf("%s value %d: probability %v, want %v", name, i, got.Probabilities[i], want.Probabilities[i])
		}
	}
}

func TestKeysOrderLikeFloats(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e30, -1, -1e-45, math.Copysign(0, -1), 0, 1e-45, 0.5, 1, 62.5, 1e30, math.Inf(1)}
	for i := 1; i < len(vals); i++ {
		a, b := keyOf(vals[i-1]), keyOf(vals[i])
		if float32(vals[i-1]) < float32(vals[i]) && !(a < b) || float32(vals[i-1]) == float32(vals[i]) && a != b {
			t.Errorf("keyOf(%v) = %d, keyOf(%v) = %d: order differs from the floats'", vals[i-1], a, vals[i], b)
		}
	}
	if k := keyOf(math.NaN()); k != 0 {
		t.Errorf("keyOf(NaN) = %d, want 0", k)
	}
	for _, c := range []struct {
		v    float64
		want uint32
	}{{0, 0}, {2.7, 2}, {62.9, 62}, {63, 63}, {1000.5, 1000}, {-0.5, math.MaxUint32}, {math.NaN(), math.MaxUint32}, {math.Inf(1), math.MaxUint32}} {
		if got := catKeyOf(c.v); got != c.want {
			t.Errorf("catKeyOf(%v) = %d, want %d", c.v, got, c.want)
		}
	}
	// Every split decides on keys as the float comparison does.
	for _, th := range []float64{-1, 0, math.Copysign(0, -1), 0.1, 1e30, 1e300, -1e300, math.Inf(1), math.NaN()} {
		for _, dl := range []bool{false, true} {
			sub, lim := numericSplit(th, dl)
			for _, v := range append(vals, math.NaN(), 0.1, float64(math.Nextafter32(0.1, 1))) {
				v32 := float64(float32(v))
				want := v32 <= th || (v32 != v32 && dl)
				if got := keyOf(v)-uint32(sub) <= lim; got != want {
					t.Errorf("split %v (NaN left %v) on %v: left = %v, want %v", th, dl, v, got, want)
				}
			}
		}
	}
}

// TestCompiledTreesMatchGBDT evaluates a hand-made ensemble with narrow and
// wide categorical sets, NaN directions both ways and a non-float32
// threshold on a grid of inputs, compiled and through gbdt.
func TestCompiledTreesMatchGBDT(t *testing.T) {
	leaf := func(v float64) gbdt.Node { return gbdt.Node{Leaf: true, Value: v} }
	m := &gbdt.Model{
		Objective: "regression", Transform: "identity", NumClass: 1, TreesPerIteration: 1,
		InitScore: []float64{0.25},
		Features:  []gbdt.FeatureInfo{{Name: "x"}, {Name: "c", Categorical: true}},
		Trees: []gbdt.Tree{
			{Nodes: []gbdt.Node{
				{Feature: 1, Categorical: true, Categories: []int{1, 5, 62}, Left: 1, Right: 2},
				{Feature: 0, Threshold: 0.5, DefaultLeft: true, Left: 3, Right: 4},
				leaf(1), leaf(2), leaf(4),
			}},
			{Nodes: []gbdt.Node{
				{Feature: 1, Categorical: true, Categories: []int{3, 64, 130, 255}, Left: 1, Right: 2},
				leaf(8), {Feature: 0, Threshold: 0.1, Left: 3, Right: 4}, leaf(16), leaf(32),
			}},
			{Nodes: []gbdt.Node{leaf(64)}},
			{},
			{Nodes: []gbdt.Node{
				{Feature: 0, Threshold: math.Copysign(0, -1), Left: 1, Right: 2}, leaf(128), leaf(256),
			}},
		},
	}
	ts, ok := compileTrees(m)
	if !ok {
		t.Fatal("compileTrees = false")
	}
	xs := []float64{math.NaN(), math.Inf(-1), -1, math.Copysign(0, -1), 0, 0.1, float64(float32(0.1)), 0.5, float64(math.Nextafter32(0.5, 1)), 1, math.Inf(1)}
	cs := []float64{math.NaN(), -1, -0.5, 62.5, 63, 1e9, math.Inf(1)}
	for c := range 300 {
		cs = append(cs, float64(c))
	}
	var rows [][]float64
	for _, x := range xs {
		for _, c := range cs {
			rows = append(rows, []float64{float64(float32(x)), float64(float32(c))})
		}
	}
	checkRaw(t, m, ts, rows)
}

func TestBlockPathEmptyAndCancelled(t *testing.T) {
	a, tb, _ := treesArtifact(t, "iris.csv", "species", 5)
	p, _ := NewPredictor(a)
	rec, _ := p.Bind(tb.header)
	b, err := rec.PredictBatch(context.Background(), nil)
	if err != nil || b.N != 0 || len(b.Class) != 0 {
		t.Errorf("PredictBatch(no rows) = %+v, %v, want an empty batch", b, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rec.PredictBatch(ctx, tb.recs); err == nil {
		t.Error("PredictBatch(cancelled context) = nil error")
	}
	if _, err := p.PredictFrame(ctx, tb.frame); err == nil {
		t.Error("PredictFrame(cancelled context) = nil error")
	}
}
