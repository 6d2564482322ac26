package prep

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

func parse(t testing.TB, csv string) *frame.Frame {
	t.Helper()
	f, err := frame.Read(context.Background(), strings.NewReader(csv), frame.ReadOptions{})
	if err != nil {
		t.Fatalf("Read(%q) error: %v", csv, err)
	}
	return f
}

func load(t testing.TB, name string) *frame.Frame {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), datasets.MustPath(t.(datasets.TB), name), frame.ReadOptions{})
	if err != nil {
		t.Fatalf("ReadFile(%s) error: %v", name, err)
	}
	return f
}

func fitT(t *testing.T, f *frame.Frame, opts Options) *Fitted {
	t.Helper()
	fit, err := FitTransform(context.Background(), f, opts)
	if err != nil {
		t.Fatalf("FitTransform(%+v) error: %v", opts, err)
	}
	return fit
}

// column returns the named output column of a matrix.
func column(t *testing.T, m *Matrix, name string) []float64 {
	t.Helper()
	for j, n := range m.Names {
		if n == name {
			return m.Cols[j]
		}
	}
	t.Fatalf("no output column %q in %q", name, m.Names)
	return nil
}

var nanEqual = cmpopts.EquateNaNs()

func TestLabel(t *testing.T) {
	f := parse(t, "bin,multi,reg,yn,quoted\n1,b,1.5,Yes,\"10\"\n0,a,2,No,\"9\"\n1.0,c,3,Yes,\"10\"\n")
	tests := []struct {
		target  string
		task    profile.Task
		want    Label
		wantY   []float64
		wantErr bool
	}{
		{target: "bin", want: Label{Column: "bin", Task: profile.Binary, Classes: []string{"0", "1"}}, wantY: []float64{1, 0, 1}},
		{target: "multi", want: Label{Column: "multi", Task: profile.Multiclass, Classes: []string{"a", "b", "c"}}, wantY: []float64{1, 0, 2}},
		{target: "reg", want: Label{Column: "reg", Task: profile.Regression}, wantY: []float64{1.5, 2, 3}},
		{target: "yn", want: Label{Column: "yn", Task: profile.Binary, Classes: []string{"No", "Yes"}}, wantY: []float64{1, 0, 1}},
		{target: "quoted", want: Label{Column: "quoted", Task: profile.Binary, Classes: []string{"10", "9"}}, wantY: []float64{0, 1, 0}},
		{target: "reg", task: profile.Multiclass, want: Label{Column: "reg", Task: profile.Multiclass, Classes: []string{"1.5", "2", "3"}}, wantY: []float64{0, 1, 2}},
		{target: "multi", task: profile.Binary, wantErr: true},
		{target: "multi", task: profile.Regression, wantErr: true},
	}
	for _, tt := range tests {
		task := tt.task
		if task == "" {
			task = mustTask(t, f.Col(tt.target))
		}
		l, err := fitLabel(f.Col(tt.target), task)
		if tt.wantErr {
			if err == nil {
				t.Errorf("fitLabel(%s, %s) error = nil, want one", tt.target, tt.task)
			}
			continue
		}
		if err != nil {
			t.Fatalf("fitLabel(%s) error: %v", tt.target, err)
		}
		if diff := cmp.Diff(tt.want, *l, cmpopts.IgnoreUnexported(Label{})); diff != "" {
			t.Errorf("fitLabel(%s) (-want +got):\n%s", tt.target, diff)
		}
		y, err := l.Encode(f.Col(tt.target))
		if err != nil || !cmp.Equal(tt.wantY, y) {
			t.Errorf("Encode(%s) = %v, %v, want %v", tt.target, y, err, tt.wantY)
		}
	}
	l, _ := fitLabel(f.Col("multi"), profile.Multiclass)
	if _, err := l.Encode(parse(t, "multi\nzzz\n").Col("multi")); !errors.Is(err, ErrLabel) {
		t.Errorf("Encode(unseen class) error = %v, want ErrLabel", err)
	}
}

func mustTask(t *testing.T, c *frame.Column) profile.Task {
	task, err := profile.DetectTask(c)
	if err != nil {
		t.Fatalf("DetectTask(%s) error: %v", c.Name, err)
	}
	return task
}

// small is a frame exercising every kind: 24 rows.
func small(t testing.TB) *frame.Frame {
	var b strings.Builder
	b.WriteString("id,num,cat,flag,when,note,const,y\n")
	cats := []string{"a", "a", "a", "b", "b", "c"}
	for i := range 24 {
		num := []string{"1", "2", "NA", "4"}[i%4]
		flag := []string{"yes", "no", "yes", ""}[i%4]
		when := []string{"2024-01-01 00:00:00", "2024-03-15 13:30:00", "", "2023-12-31 23:00:00"}[i%4]
		cat := cats[i%6]
		if i == 23 {
			cat = ""
		}
		y := []string{"lo", "hi"}[(i/2)%2]
		b.WriteString(strings.Join([]string{
			"r" + string(rune('A'+i)), num, cat, flag, when,
			"\"free text number " + string(rune('a'+i)) + " about things\"", "k", y,
		}, ",") + "\n")
	}
	return parse(t, b.String())
}

func TestFitTrees(t *testing.T) {
	f := small(t)
	fit := fitT(t, f, Options{Target: "y"})
	p := fit.Pipeline
	wantDropped := []string{"id", "const"}
	var gotDropped []string
	for _, d := range p.Dropped {
		gotDropped = append(gotDropped, d.Column)
	}
	if diff := cmp.Diff(wantDropped, gotDropped); diff != "" {
		t.Errorf("dropped (-want +got):\n%s\n%+v", diff, p.Dropped)
	}
	wantNames := []string{"num", "cat", "flag", "when__year", "when__month", "when__day", "when__weekday", "when__hour", "when__unix"}
	if diff := cmp.Diff(wantNames, fit.X.Names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"note"}, fit.X.TextNames); diff != "" {
		t.Errorf("text names (-want +got):\n%s", diff)
	}
	nan := math.NaN()
	checks := map[string][]float64{
		"num":           {1, 2, nan, 4, 1, 2},
		"cat":           {0, 0, 0, 1, 1, 2}, // a (12 rows) then b (8) then c (3)
		"flag":          {1, 0, 1, nan, 1, 0},
		"when__year":    {2024, 2024, nan, 2023, 2024, 2024},
		"when__month":   {1, 3, nan, 12, 1, 3},
		"when__day":     {1, 15, nan, 31, 1, 15},
		"when__weekday": {1, 5, nan, 0, 1, 5}, // Monday, Friday, -, Sunday
		"when__hour":    {0, 13, nan, 23, 0, 13},
	}
	for name, want := range checks {
		if got := column(t, fit.X, name)[:6]; !cmp.Equal(want, got, nanEqual) {
			t.Errorf("column %s = %v, want %v", name, got, want)
		}
	}
	if flag := p.Steps[2]; !cmp.Equal(flag.TrueTokens, []string{"yes"}) || !cmp.Equal(flag.FalseTokens, []string{"no"}) {
		t.Errorf("flag tokens = %q / %q, want yes / no", flag.TrueTokens, flag.FalseTokens)
	}
	if got := column(t, fit.X, "cat")[23]; !math.IsNaN(got) {
		t.Errorf("missing category code = %v, want NaN", got)
	}
	if j := 1; !fit.X.Categorical[j] || fit.X.NumCategories[j] != 3 || fit.X.Categorical[0] {
		t.Errorf("categorical flags %v, counts %v, want cat with 3 levels", fit.X.Categorical, fit.X.NumCategories)
	}
	if got := fit.X.Text[0][0]; got != "free text number a about things" {
		t.Errorf("text[0] = %q", got)
	}
	// Unseen category and missing cells at predict time.
	m, err := p.Transform(parse(t, "num,cat,flag,when,note\n7,zzz,no,2025-06-01 10:00:00,x\n"))
	if err != nil {
		t.Fatalf("Transform error: %v", err)
	}
	if got := column(t, m, "cat")[0]; !math.IsNaN(got) {
		t.Errorf("unseen category code = %v, want NaN", got)
	}
}

func TestFitLinear(t *testing.T) {
	f := small(t)
	fit := fitT(t, f, Options{Target: "y", Mode: Linear, MinLevelCount: 4})
	wantNames := []string{
		"num", "num__missing", "cat=a", "cat=b", "cat=__other__", "cat=__missing__", "flag", "flag__missing",
		"when__year", "when__month", "when__day", "when__weekday", "when__hour", "when__unix", "when__missing",
	}
	if diff := cmp.Diff(wantNames, fit.X.Names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	// num: 1,2,NA,4 repeated; median of present values is 2.
	num := column(t, fit.X, "num")
	s := fit.Pipeline.Steps[0]
	if s.Fill[0] != 2 {
		t.Errorf("num fill = %v, want median 2", s.Fill[0])
	}
	mean, sd := meanStd(num)
	if math.Abs(mean) > 1e-12 || math.Abs(sd-1) > 1e-12 {
		t.Errorf("scaled num has mean %v sd %v, want 0 and 1", mean, sd)
	}
	if got := num[2] * s.Scale[0]; math.Abs(got+s.Center[0]-2) > 1e-12 {
		t.Errorf("imputed num unscaled = %v, want 2", got+s.Center[0])
	}
	if !cmp.Equal(column(t, fit.X, "num__missing")[:4], []float64{0, 0, 1, 0}) {
		t.Errorf("num__missing = %v", column(t, fit.X, "num__missing")[:4])
	}
	// cat: a (12 rows), b (8), c (3, below MinLevelCount 4) goes to other.
	want := map[string][]float64{
		"cat=a":           {1, 1, 1, 0, 0, 0},
		"cat=b":           {0, 0, 0, 1, 1, 0},
		"cat=__other__":   {0, 0, 0, 0, 0, 1},
		"cat=__missing__": {0, 0, 0, 0, 0, 0},
		"flag":            {1, 0, 1, 1, 1, 0}, // yes is the most frequent value
		"flag__missing":   {0, 0, 0, 1, 0, 0},
	}
	for name, w := range want {
		if got := column(t, fit.X, name)[:6]; !cmp.Equal(w, got) {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if got := column(t, fit.X, "cat=__missing__")[23]; got != 1 {
		t.Errorf("cat=__missing__ on the missing row = %v, want 1", got)
	}
	// Unseen category: all zeros. Linear output never holds NaN.
	m, err := fit.Pipeline.Transform(parse(t, "num,cat,flag,when,note\n,zzz,,,x\n"))
	if err != nil {
		t.Fatalf("Transform error: %v", err)
	}
	for _, name := range []string{"cat=a", "cat=b", "cat=__other__", "cat=__missing__"} {
		if got := column(t, m, name)[0]; got != 0 {
			t.Errorf("unseen category: %s = %v, want 0", name, got)
		}
	}
	for j, col := range m.Cols {
		if math.IsNaN(col[0]) || math.IsInf(col[0], 0) {
			t.Errorf("linear output %s = %v, want finite", m.Names[j], col[0])
		}
	}
}

func meanStd(v []float64) (float64, float64) {
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)))
}

func TestMissingAndExtraColumns(t *testing.T) {
	fit := fitT(t, small(t), Options{Target: "y"})
	_, err := fit.Pipeline.Transform(parse(t, "num,flag,extra\n1,yes,9\n"))
	var mc *frame.MissingColumnsError
	if !errors.As(err, &mc) || !cmp.Equal(mc.Names, []string{"cat", "when", "note"}) {
		t.Errorf("Transform(missing columns) error = %v, want MissingColumnsError for cat, when, note", err)
	}
	// Extra columns and the absent target are fine.
	if _, err := fit.Pipeline.Transform(parse(t, "extra,note,when,flag,cat,num\n1,x,,yes,a,3\n")); err != nil {
		t.Errorf("Transform(reordered, extra column) error: %v", err)
	}
	if _, err := fit.Pipeline.Transform(parse(t, "num,cat,flag,when,note\nabc,a,yes,,x\n")); err == nil ||
		!strings.Contains(err.Error(), `column "num" row 1: "abc" is not a number`) {
		t.Errorf("Transform(bad number) error = %v, want one naming column num row 1", err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	f := load(t, "titanic.csv")
	for _, mode := range []Mode{Trees, Linear} {
		fit := fitT(t, f, Options{Target: "Survived", Mode: mode, TargetEncodeLevels: 20})
		b, err := json.Marshal(fit.Pipeline)
		if err != nil {
			t.Fatalf("Marshal error: %v", err)
		}
		var back Pipeline
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal error: %v", err)
		}
		want, err := fit.Pipeline.Transform(f)
		if err != nil {
			t.Fatalf("Transform error: %v", err)
		}
		got, err := back.Transform(f)
		if err != nil {
			t.Fatalf("Transform after round trip error: %v", err)
		}
		if diff := cmp.Diff(want, got, nanEqual); diff != "" {
			t.Errorf("%s: Transform after JSON round trip differs (-want +got):\n%s", mode, diff)
		}
		b2, _ := json.Marshal(&back)
		if string(b) != string(b2) {
			t.Errorf("%s: JSON differs after a round trip", mode)
		}
	}
	if err := json.Unmarshal([]byte(`{"version": 99}`), new(Pipeline)); err == nil {
		t.Errorf("Unmarshal(version 99) error = nil, want one")
	}
}

func TestMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 1; n < 300; n++ {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(rng.IntN(n/3 + 1)) // many ties
		}
		sorted := slices.Sorted(slices.Values(v))
		want := sorted[n/2]
		if n%2 == 0 {
			want = (sorted[n/2-1] + sorted[n/2]) / 2
		}
		if got := median(v); got != want {
			t.Fatalf("median(%v) = %v, want %v", sorted, got, want)
		}
	}
}

func TestInputKinds(t *testing.T) {
	train := parse(t, "zip,n,y\n\"02134\",1,a\n\"10001\",2,b\n\"02134\",3,a\n\"10001\",4,b\n")
	p := fitT(t, train, Options{Target: "y"}).Pipeline
	want := map[string]frame.Kind{"zip": frame.Categorical, "n": frame.Numeric}
	if diff := cmp.Diff(want, p.InputKinds()); diff != "" {
		t.Fatalf("InputKinds (-want +got):\n%s", diff)
	}
	// Unquoted at predict time: without the kinds the zip would read as a
	// number and lose its leading zero.
	in := "zip,n\n02134,5\n"
	f, err := frame.Read(context.Background(), strings.NewReader(in), frame.ReadOptions{Kinds: p.InputKinds()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Transform(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, m, "zip")[0]; got != 0 {
		t.Errorf("zip code with InputKinds = %v, want code 0", got)
	}
	m, err = p.Transform(parse(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, m, "zip")[0]; !math.IsNaN(got) {
		t.Errorf("zip code read as a number = %v, want NaN (unseen \"2134\")", got)
	}
}

func TestMatrixHelpers(t *testing.T) {
	fit := fitT(t, small(t), Options{Target: "y"})
	m := fit.X.Take([]int{3, 0})
	j := m.Index("num")
	if j < 0 || !cmp.Equal(m.Cols[j], []float64{4, 1}) || m.Rows != 2 || m.Text[0][1] != fit.X.Text[0][0] {
		t.Errorf("Take([3 0]) num = %v (index %d), rows %d", m.Cols[max(j, 0)], j, m.Rows)
	}
	if m.Index("nope") != -1 {
		t.Errorf("Index(nope) = %d, want -1", m.Index("nope"))
	}
	rows := fit.X.RowMajor()
	if len(rows) != fit.X.Rows || rows[3][j] != 4 || len(rows[0]) != len(fit.X.Cols) {
		t.Errorf("RowMajor()[3] = %v", rows[3])
	}
}

func TestNoFeatures(t *testing.T) {
	f := parse(t, "k,y\nx,a\nx,b\nx,a\n")
	_, err := FitTransform(context.Background(), f, Options{Target: "y"})
	if !errors.Is(err, ErrNoFeatures) || !strings.Contains(err.Error(), "k (constant") {
		t.Errorf("FitTransform(only a constant column) error = %v, want ErrNoFeatures naming k", err)
	}
	_, err = FitTransform(context.Background(), parse(t, "y\na\nb\n"), Options{Target: "y"})
	if !errors.Is(err, ErrNoFeatures) {
		t.Errorf("FitTransform(target only) error = %v, want ErrNoFeatures", err)
	}
}

func TestUnmarshalRejectsInconsistentPipelines(t *testing.T) {
	fit := fitT(t, small(t), Options{Target: "y", Mode: Linear, MinLevelCount: 4})
	good, err := json.Marshal(fit.Pipeline)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"one-hot column missing", `"out":["cat=a","cat=b","cat=__other__","cat=__missing__"]`, `"out":["cat=a","cat=b","cat=__missing__"]`},
		{"unknown encoder", `"encoder":"boolean"`, `"encoder":"magic"`},
		{"bad mode", `"mode":"linear"`, `"mode":"forest"`},
		{"zero scale", `"scale":[`, `"scale":[0,`},
	} {
		bad := strings.Replace(string(good), tt.from, tt.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q not found in %s", tt.name, tt.from, good)
		}
		if err := json.Unmarshal([]byte(bad), new(Pipeline)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Unmarshal error = %v, want ErrCorrupt", tt.name, err)
		}
	}
}
