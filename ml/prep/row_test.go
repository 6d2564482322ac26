package prep

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// records reads a CSV file as raw string records.
func records(t testing.TB, name string) [][]string {
	t.Helper()
	fh, err := os.Open(datasets.MustPath(t.(datasets.TB), name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestRowEncoderMatchesTransform checks single-row encoding against the
// frame path on every row of titanic and penguins, in both modes.
func TestRowEncoderMatchesTransform(t *testing.T) {
	for _, tt := range []struct{ file, target string }{{"titanic.csv", "Survived"}, {"penguins.csv", "species"}, {"telco_churn.csv", "churn"}} {
		f := load(t, tt.file)
		recs := records(t, tt.file)
		for _, mode := range []Mode{Trees, Linear} {
			fit := fitT(t, f, Options{Target: tt.target, Mode: mode, TargetEncodeLevels: 20})
			want, err := fit.Pipeline.Transform(f)
			if err != nil {
				t.Fatalf("Transform error: %v", err)
			}
			enc, err := fit.Pipeline.NewRowEncoder(recs[0])
			if err != nil {
				t.Fatalf("NewRowEncoder error: %v", err)
			}
			var x []float64
			var text []string
			for i, rec := range recs[1:] {
				x, text, err = enc.Encode(rec, x, text)
				if err != nil {
					t.Fatalf("%s row %d: Encode error: %v", tt.file, i+1, err)
				}
				for j := range x {
					if w := want.Cols[j][i]; !(x[j] == w || math.IsNaN(x[j]) && math.IsNaN(w)) {
						t.Fatalf("%s %s row %d %s: Encode = %v, want %v", tt.file, mode, i+1, want.Names[j], x[j], w)
					}
				}
				for j := range text {
					if text[j] != want.Text[j][i] {
						t.Fatalf("%s row %d text %s = %q, want %q", tt.file, i+1, want.TextNames[j], text[j], want.Text[j][i])
					}
				}
			}
		}
	}
}

func TestEncodeMap(t *testing.T) {
	f := small(t)
	for _, mode := range []Mode{Trees, Linear} {
		p := fitT(t, f, Options{Target: "y", Mode: mode}).Pipeline
		want, err := p.Transform(parse(t, "num,cat,flag,when,note\n4,b,no,2024-03-15 13:30:00,hello there\n"))
		if err != nil {
			t.Fatal(err)
		}
		when := time.Date(2024, 3, 15, 13, 30, 0, 0, time.UTC)
		for _, row := range []map[string]any{
			{"num": 4.0, "cat": "b", "flag": false, "when": when, "note": "hello there", "extra": 1},
			{"num": 4, "cat": "b", "flag": "no", "when": "2024-03-15 13:30:00", "note": "hello there"},
			{"num": "4", "cat": "b", "flag": 0.0, "when": when, "note": "hello there"},
		} {
			x, text, err := p.EncodeMap(row, nil, nil)
			if err != nil {
				t.Fatalf("EncodeMap(%v) error: %v", row, err)
			}
			for j := range x {
				if x[j] != want.Cols[j][0] {
					t.Errorf("%s EncodeMap(%v) %s = %v, want %v", mode, row, want.Names[j], x[j], want.Cols[j][0])
				}
			}
			if !cmp.Equal(text, []string{"hello there"}) {
				t.Errorf("EncodeMap text = %q", text)
			}
		}
		_, _, err = p.EncodeMap(map[string]any{"num": 1.0, "cat": nil}, nil, nil)
		if mc, ok := err.(*frame.MissingColumnsError); !ok || !cmp.Equal(mc.Names, []string{"flag", "when", "note"}) {
			t.Errorf("EncodeMap(absent columns) error = %v, want MissingColumnsError for flag, when, note", err)
		}
	}
}

func TestRowEncoderAllocs(t *testing.T) {
	f := load(t, "adult.csv")
	recs := records(t, "adult.csv")
	prof := profileOf(t, f, "income")
	for _, mode := range []Mode{Trees, Linear} {
		p := fitT(t, f, Options{Target: "income", Mode: mode, Profile: prof}).Pipeline
		enc, err := p.NewRowEncoder(recs[0])
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float64, len(p.Names))
		allocs := testing.AllocsPerRun(100, func() {
			if _, _, err := enc.Encode(recs[1], x, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Encode allocates %v times per row, want 0", mode, allocs)
		}
	}
}

// TestTargetEncodingOutOfFold checks that target encoding at fit does not
// leak: on a high-cardinality column unrelated to the target, in-sample
// encoding correlates with the target but the out-of-fold one does not.
func TestTargetEncodingOutOfFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 2000
	code := make([]string, n)
	y := make([]string, n)
	signal := make([]string, n)
	for i := range n {
		code[i] = "c" + strconv.Itoa(rng.IntN(400)) // ~5 rows per level, no signal
		s := rng.IntN(100)
		signal[i] = "s" + strconv.Itoa(s) // levels with a real effect
		y[i] = "no"
		if rng.Float64() < 0.2+0.6*float64(s%2) {
			y[i] = "yes"
		}
	}
	f, err := frame.New(
		frame.NewStrings("code", frame.Categorical, code),
		frame.NewStrings("signal", frame.Categorical, signal),
		frame.NewStrings("y", frame.Categorical, y),
	)
	if err != nil {
		t.Fatal(err)
	}
	fit := fitT(t, f, Options{Target: "y", Mode: Linear, Seed: 7})
	if diff := cmp.Diff([]string{"code__te", "signal__te"}, fit.X.Names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	inSample, err := fit.Pipeline.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	corr := func(x []float64) float64 { return pearson(x, fit.Y) }
	if r := corr(column(t, fit.X, "code__te")); math.Abs(r) > 0.1 {
		t.Errorf("out-of-fold encoding of a noise column correlates %v with the target, want about 0", r)
	}
	if r := corr(column(t, inSample, "code__te")); r < 0.3 {
		t.Errorf("in-sample encoding of a noise column correlates %v, want the leak to show (> 0.3)", r)
	}
	if r := corr(column(t, fit.X, "signal__te")); r < 0.4 {
		t.Errorf("out-of-fold encoding of a real signal correlates %v, want > 0.4", r)
	}
	// Unseen level: the prior, scaled.
	m, err := fit.Pipeline.Transform(parse(t, "code,signal\nnever,s1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := fit.Pipeline.Steps[0]
	if got, want := column(t, m, "code__te")[0], (s.Prior[0]-s.Center[0])/s.Scale[0]; got != want {
		t.Errorf("unseen level encodes to %v, want the scaled prior %v", got, want)
	}
	// Same seed, same encoding.
	again := fitT(t, f, Options{Target: "y", Mode: Linear, Seed: 7})
	if !cmp.Equal(fit.X, again.X) {
		t.Errorf("FitTransform with the same seed differs")
	}
}

func pearson(x, y []float64) float64 {
	mx, sx := meanStd(x)
	my, sy := meanStd(y)
	c := 0.0
	for i := range x {
		c += (x[i] - mx) * (y[i] - my)
	}
	return c / float64(len(x)) / (sx * sy)
}

func TestFitDatasets(t *testing.T) {
	for _, tt := range []struct {
		file, target string
		dropped      []string
		text         []string
	}{
		{"titanic.csv", "Survived", []string{"PassengerId"}, []string{"Name"}},
		{"fine_foods_reviews.csv", "label", []string{"product", "split"}, []string{"text"}},
		{"sms_spam.csv", "label", nil, []string{"text"}},
		{"ames_housing.csv", "Sale_Price", nil, nil},
		{"adult.csv", "income", nil, nil},
		{"digits.csv", "digit", []string{"pixel_0_0", "pixel_4_0", "pixel_4_7"}, nil},
	} {
		f := load(t, tt.file)
		prof := profileOf(t, f, tt.target)
		for _, mode := range []Mode{Trees, Linear} {
			fit := fitT(t, f, Options{Target: tt.target, Mode: mode, Profile: prof})
			var dropped []string
			for _, d := range fit.Pipeline.Dropped {
				dropped = append(dropped, d.Column)
			}
			if !cmp.Equal(tt.dropped, dropped) || !cmp.Equal(tt.text, fit.X.TextNames, cmpEmpty) {
				t.Errorf("%s %s: dropped %q text %q, want %q and %q", tt.file, mode, dropped, fit.X.TextNames, tt.dropped, tt.text)
			}
			if len(fit.Y) != f.NRows() || fit.X.Rows != f.NRows() {
				t.Errorf("%s: %d labels, %d rows, want %d", tt.file, len(fit.Y), fit.X.Rows, f.NRows())
			}
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) })

func TestRowsWithoutTarget(t *testing.T) {
	f := parse(t, "x,y\n1,a\n2,\n3,b\n4,a\n")
	fit, err := FitTransform(context.Background(), f, Options{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(fit.Rows, []int{0, 2, 3}) || !cmp.Equal(fit.Y, []float64{0, 1, 0}) || len(fit.Pipeline.Notes) != 1 {
		t.Errorf("rows %v labels %v notes %q, want rows 0,2,3, labels 0,1,0 and a note", fit.Rows, fit.Y, fit.Pipeline.Notes)
	}
	if _, err := FitTransform(context.Background(), parse(t, "x,y\n1,\n2,\n"), Options{Target: "y"}); err == nil {
		t.Errorf("FitTransform(all targets blank) error = nil, want one")
	}
	if _, err := FitTransform(context.Background(), f, Options{Target: "nope"}); err == nil {
		t.Errorf("FitTransform(unknown target) error = nil, want one")
	}
}

func BenchmarkEncodeRow(b *testing.B) {
	f := load(b, "adult.csv")
	recs := records(b, "adult.csv")
	for _, mode := range []Mode{Trees, Linear} {
		b.Run(string(mode), func(b *testing.B) {
			fit, err := FitTransform(context.Background(), f, Options{Target: "income", Mode: mode})
			if err != nil {
				b.Fatal(err)
			}
			enc, err := fit.Pipeline.NewRowEncoder(recs[0])
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float64, len(fit.Pipeline.Names))
			i := 1
			for b.Loop() {
				if _, _, err := enc.Encode(recs[i], x, nil); err != nil {
					b.Fatal(err)
				}
				i = i%(len(recs)-1) + 1
			}
		})
	}
}

// profileOf computes the profile that Fit would, once for several fits.
func profileOf(t *testing.T, f *frame.Frame, target string) *profile.Profile {
	t.Helper()
	p, err := profile.Compute(context.Background(), f, profile.Options{Target: target})
	if err != nil {
		t.Fatalf("profile.Compute error: %v", err)
	}
	return p
}

func TestRowEncoderConcurrent(t *testing.T) {
	f := small(t)
	p := fitT(t, f, Options{Target: "y", Mode: Linear}).Pipeline
	enc, err := p.NewRowEncoder([]string{"num", "cat", "flag", "when", "note"})
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := enc.Encode([]string{"2", "b", "no", "2024-03-15 13:30:00", "hi"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var x []float64
			var err error
			for range 200 {
				x, _, err = enc.Encode([]string{"2", "b", "no", "2024-03-15 13:30:00", "hi"}, x, nil)
				if err == nil && !cmp.Equal(x, want) {
					err = fmt.Errorf("Encode = %v, want %v", x, want)
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// encodeGeneral is Encode through Step.encode alone, without the short
// paths of RowEncoder: the reference they must match, errors included.
func encodeGeneral(p *Pipeline, header, rec []string) ([]float64, []string, error) {
	x, text := make([]float64, len(p.Names)), make([]string, len(p.TextNames))
	out, t := 0, 0
	for i := range p.Steps {
		s := &p.Steps[i]
		raw := rec[slices.Index(header, s.Column)]
		v := cell{str: raw, hasStr: true, missing: p.isMissing(raw)}
		if s.Encoder == EncText {
			if !v.missing {
				text[t] = raw
			}
			t++
			continue
		}
		if err := s.encode(&v, p.Mode == Linear, x[out:out+len(s.Out)]); err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", s.Column, err)
		}
		out += len(s.Out)
	}
	return x, text, nil
}

// TestEncodeShortPaths feeds awkward cells to every column kind and checks
// that Encode gives what the general path gives, bit for bit, and the same
// errors.
func TestEncodeShortPaths(t *testing.T) {
	f := small(t)
	header := []string{"note", "when", "flag", "cat", "num"}
	cells := map[string][]string{
		"num":  {"4", " 4 ", "-0", "1e400", "-inf", "0x10", "NA", " NA", "", "abc", "1_000", "3.14159265358979323846", "-999", " -999", "-999.0"},
		"cat":  {"a", "b", "c", " a", "a ", "A", "", "?", "zzz", "NaN", "-999"},
		"flag": {"yes", "no", " Yes ", " no ", "TRUE", "f", "1", "0", "-0", "2", "maybe", "", "null"},
		"when": {"2024-03-15 13:30:00", "2024-03-15", "", "not a date", "-999"},
		"note": {"hi", "", "NA", " text ", "a"},
	}
	// Markers that read as a number, a boolean and a level of cat make the
	// short paths test for them.
	for _, tt := range []struct {
		mode    Mode
		markers []string
	}{{Trees, nil}, {Linear, nil}, {Trees, []string{"NA", "-999", " no", "a"}}, {Linear, []string{"-999", "no", "a"}}} {
		mode := tt.mode
		p := fitT(t, f, Options{Target: "y", Mode: mode, MissingMarkers: tt.markers}).Pipeline
		enc, err := p.NewRowEncoder(header)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[opKind]bool{}
		for _, op := range enc.ops {
			kinds[op.kind] = true
		}
		if mode == Trees && !(kinds[opCodes] && kinds[opNumber] && kinds[opBool] && kinds[opText] && kinds[opGeneric]) {
			t.Fatalf("trees pipeline takes paths %v, want every kind", kinds)
		}
		rec := []string{"hi", "2024-03-15", "yes", "a", "4"}
		for j, col := range header {
			for _, c := range cells[col] {
				rec := slices.Clone(rec)
				rec[j] = c
				gotX, gotText, gotErr := enc.Encode(rec, nil, nil)
				wantX, wantText, wantErr := encodeGeneral(p, header, rec)
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("%s Encode(%q) error = %v, want %v", mode, rec, gotErr, wantErr)
					continue
				}
				if !cmp.Equal(gotText, wantText) || !cmp.Equal(bitsOf(gotX), bitsOf(wantX)) {
					t.Errorf("%s Encode(%q) = %v %q, want %v %q", mode, rec, gotX, gotText, wantX, wantText)
				}
			}
		}
	}
}

// bitsOf returns the bit patterns of x, so that comparisons tell -0 from 0
// and match NaN with NaN.
func bitsOf(x []float64) []uint64 {
	if x == nil {
		return nil
	}
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = math.Float64bits(v)
	}
	return b
}

// TestNumberFields checks that a Trees pipeline of plain numbers lists the
// record field of each output, that Number reads a cell as Encode does
// (missing markers, markers that read as numbers, spaces; ok false exactly
// where Encode fails), and that other pipelines list none.
func TestNumberFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("y,a,b\n")
	for i := range 24 {
		fmt.Fprintf(&b, "%s,%d.5,%d\n", []string{"lo", "hi"}[(i/2)%2], i%7, i*i)
	}
	f := parse(t, b.String())
	header := []string{"b", "y", "a"}
	cells := []string{"4", " 4 ", "-0", "1e400", "-inf", "0x10", "NA", " NA", "", "abc", "1_000", "3.14159265358979323846", "-999", " -999", "-999.0", "nan"}
	for _, markers := range [][]string{nil, {"NA", "-999", " 4"}} {
		p := fitT(t, f, Options{Target: "y", Mode: Trees, MissingMarkers: markers}).Pipeline
		enc, err := p.NewRowEncoder(header)
		if err != nil {
			t.Fatal(err)
		}
		fields := enc.NumberFields()
		want := make([]int, len(p.Steps))
		for i, s := range p.Steps {
			want[i] = slices.Index(header, s.Column)
		}
		if !cmp.Equal(fields, want) {
			t.Fatalf("NumberFields() = %v, want %v", fields, want)
		}
		for _, c := range cells {
			rec := []string{c, "lo", c}
			x, _, err := encodeGeneral(p, header, rec)
			for j, fj := range fields {
				v, ok := enc.Number(rec[fj])
				if ok != (err == nil) || ok && math.Float64bits(v) != math.Float64bits(x[j]) {
					t.Errorf("markers %q: Number(%q) = %v, %v; Encode gives %v, %v", markers, c, v, ok, x, err)
				}
			}
		}
	}
	lin := fitT(t, f, Options{Target: "y", Mode: Linear}).Pipeline
	mixed := fitT(t, small(t), Options{Target: "y", Mode: Trees}).Pipeline
	for name, p := range map[string]*Pipeline{"linear": lin, "mixed": mixed} {
		enc, err := p.NewRowEncoder(p.InputNames())
		if err != nil {
			t.Fatal(err)
		}
		if fields := enc.NumberFields(); fields != nil {
			t.Errorf("%s: NumberFields() = %v, want nil", name, fields)
		}
	}
}
