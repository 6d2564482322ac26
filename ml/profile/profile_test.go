package profile

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/ml/datasets"
	"github.com/trainyard/trainyard/ml/frame"
)

func load(t *testing.T, name string) *frame.Frame {
	t.Helper()
	f, err := frame.ReadFile(context.Background(), datasets.MustPath(t, name), frame.ReadOptions{})
	if err != nil {
		t.Fatalf("ReadFile(%s) error: %v", name, err)
	}
	return f
}

func parse(t *testing.T, csv string) *frame.Frame {
	t.Helper()
	f, err := frame.Read(context.Background(), strings.NewReader(csv), frame.ReadOptions{})
	if err != nil {
		t.Fatalf("Read(%q) error: %v", csv, err)
	}
	return f
}

func flagsOf(p *Profile, kind FlagKind) []string {
	var cols []string
	for _, f := range p.Flags {
		if f.Kind == kind {
			cols = append(cols, f.Column)
		}
	}
	return cols
}

func TestDuplicateRowsDatasets(t *testing.T) {
	for _, tt := range []struct {
		file string
		want int
	}{{"sms_spam.csv", 403}, {"adult.csv", 24}, {"titanic.csv", 0}, {"iris.csv", 1}} {
		if got := DuplicateRows(load(t, tt.file)); got != tt.want {
			t.Errorf("DuplicateRows(%s) = %d, want %d", tt.file, got, tt.want)
		}
	}
}

func TestDuplicateRowsMissingAndSeparators(t *testing.T) {
	f := parse(t, "a,b\nab,c\na,bc\n,1\nNA,1\nab,c\n")
	if got := DuplicateRows(f); got != 2 {
		t.Errorf("DuplicateRows = %d, want 2 (a repeated row and two missing-equal rows)", got)
	}
}

func TestTitanicProfile(t *testing.T) {
	f := load(t, "titanic.csv")
	p, err := Compute(context.Background(), f, Options{Target: "Survived"})
	if err != nil {
		t.Fatalf("Compute error: %v", err)
	}
	if diff := cmp.Diff([]string{"PassengerId"}, flagsOf(p, FlagIDLike)); diff != "" {
		t.Errorf("ID-like columns (-want +got):\n%s", diff)
	}
	if got := flagsOf(p, FlagLeak); len(got) != 0 {
		t.Errorf("leaks = %q, want none", got)
	}
	if p.Task != Binary || p.Classes == nil || p.Classes.Imbalanced {
		t.Errorf("task %q classes %+v, want binary and balanced enough", p.Task, p.Classes)
	}
	age := p.Columns[f.Index("Age")]
	if age.Missing != 177 || age.Numeric == nil || age.Numeric.Min != 0.4167 || age.Numeric.Max != 80 {
		t.Errorf("Age profile = %+v %+v, want 177 missing, min 0.4167, max 80", age, age.Numeric)
	}
	sum := 0
	for _, b := range age.Histogram {
		sum += b.Count
	}
	if sum != 891-177 {
		t.Errorf("Age histogram counts sum to %d, want %d", sum, 891-177)
	}
	sex := p.Columns[f.Index("Sex")]
	want := []ValueCount{{"male", 577}, {"female", 314}}
	if diff := cmp.Diff(want, sex.Top); diff != "" || sex.Distinct != 2 {
		t.Errorf("Sex top values (-want +got):\n%s (distinct %d)", diff, sex.Distinct)
	}
	if _, err := json.Marshal(p); err != nil {
		t.Errorf("json.Marshal(profile) error: %v", err)
	}
}

func TestImbalanceAndTask(t *testing.T) {
	for _, tt := range []struct {
		file, target string
		task         Task
		imbalanced   bool
	}{
		{"sms_spam.csv", "label", Binary, true},
		{"adult.csv", "income", Binary, true},
		{"telco_churn.csv", "churn", Binary, true},
		{"iris.csv", "species", Multiclass, false},
		{"diabetes.csv", "disease_progression", Regression, false},
	} {
		p, err := Compute(context.Background(), load(t, tt.file), Options{Target: tt.target})
		if err != nil {
			t.Fatalf("Compute(%s) error: %v", tt.file, err)
		}
		got := len(flagsOf(p, FlagImbalance)) > 0
		if p.Task != tt.task || got != tt.imbalanced {
			t.Errorf("Compute(%s): task %q imbalanced %v, want %q %v", tt.file, p.Task, got, tt.task, tt.imbalanced)
		}
	}
}

func TestSyntheticLeaks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Classification: titanic plus a copy of Survived with 1% of labels flipped.
	f := load(t, "titanic.csv")
	surv := f.Col("Survived")
	leak := make([]string, f.NRows())
	for i, v := range surv.Num {
		if rng.Float64() < 0.01 {
			v = 1 - v
		}
		leak[i] = map[float64]string{0: "lost", 1: "saved"}[v]
	}
	f.Columns = append(f.Columns, frame.NewStrings("outcome_code", frame.Categorical, leak))
	p, err := Compute(context.Background(), f, Options{Target: "Survived"})
	if err != nil {
		t.Fatalf("Compute error: %v", err)
	}
	if diff := cmp.Diff([]string{"outcome_code"}, flagsOf(p, FlagLeak)); diff != "" {
		t.Errorf("classification leaks (-want +got):\n%s", diff)
	}
	// Regression: california plus the target with 5% noise.
	g := load(t, "california_housing.csv")
	y := g.Col("median_house_value").Num
	noisy := make([]float64, len(y))
	for i, v := range y {
		noisy[i] = v * (1 + 0.05*rng.NormFloat64())
	}
	g.Columns = append(g.Columns, frame.NewNumeric("appraisal", noisy))
	p, err = Compute(context.Background(), g, Options{Target: "median_house_value"})
	if err != nil {
		t.Fatalf("Compute error: %v", err)
	}
	if diff := cmp.Diff([]string{"appraisal"}, flagsOf(p, FlagLeak)); diff != "" {
		t.Errorf("regression leaks (-want +got):\n%s", diff)
	}
}

func TestNoLeaksOnRealData(t *testing.T) {
	for _, tt := range []struct{ file, target string }{
		{"iris.csv", "species"}, {"breast_cancer.csv", "diagnosis"}, {"ames_housing.csv", "Sale_Price"},
		{"penguins.csv", "species"}, {"wine.csv", "cultivar"}, {"fine_foods_reviews.csv", "label"},
	} {
		f := load(t, tt.file)
		target := f.Col(tt.target)
		task, err := DetectTask(target)
		if err != nil {
			t.Fatalf("DetectTask(%s) error: %v", tt.file, err)
		}
		flags, err := Leaks(context.Background(), f, target, task)
		if err != nil || len(flags) != 0 {
			t.Errorf("Leaks(%s) = %+v, %v, want none", tt.file, flags, err)
		}
	}
}

func TestColumnFlagsAndStats(t *testing.T) {
	var b strings.Builder
	b.WriteString("const,empty,mostly,x\n")
	for i := range 40 {
		mostly := "NA"
		if i%4 == 0 {
			mostly = "v"
		}
		b.WriteString("k,," + mostly + "," + []string{"1", "2", "3", "4"}[i%4] + "\n")
	}
	p, err := Compute(context.Background(), parse(t, b.String()), Options{})
	if err != nil {
		t.Fatalf("Compute error: %v", err)
	}
	got := map[FlagKind][]string{}
	for _, f := range p.Flags {
		got[f.Kind] = append(got[f.Kind], f.Column)
	}
	want := map[FlagKind][]string{
		FlagConstant:    {"const", "mostly"},
		FlagAllMissing:  {"empty"},
		FlagHighMissing: {"mostly"},
		FlagDuplicates:  {""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	x := p.Columns[3].Numeric
	if x.Mean != 2.5 || math.Abs(x.Std-math.Sqrt(50.0/39)) > 1e-12 || x.Quantiles[4].Value != 2.5 || !x.Integer {
		t.Errorf("x stats = %+v, want mean 2.5, sample std sqrt(50/39), median 2.5, integer", x)
	}
	if h := p.Columns[3].Histogram; len(h) != 4 || h[0].Count != 10 {
		t.Errorf("x histogram = %+v, want 4 unit bins of 10", h)
	}
}

func TestDetectTask(t *testing.T) {
	f := parse(t, "num2,num3,quoted,one,cls,b\n0,1.5,\"1\",x,a,yes\n1,2.5,\"2\",x,b,no\n1,3.5,\"1\",x,c,yes\n")
	for _, tt := range []struct {
		col     string
		want    Task
		wantErr bool
	}{
		{"num2", Binary, false}, {"num3", Regression, false}, {"quoted", Binary, false},
		{"one", "", true}, {"cls", Multiclass, false}, {"b", Binary, false},
	} {
		got, err := DetectTask(f.Col(tt.col))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("DetectTask(%s) = %q, %v, want %q (error %v)", tt.col, got, err, tt.want, tt.wantErr)
		}
	}
	want := []ClassCount{{"0", 1}, {"1", 2}}
	if diff := cmp.Diff(want, ClassCounts(f.Col("num2"))); diff != "" {
		t.Errorf("ClassCounts(num2) (-want +got):\n%s", diff)
	}
}

func TestIDLikeNumbers(t *testing.T) {
	seq := func(n int, f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	for _, tt := range []struct {
		name string
		v    []float64
		want bool
	}{
		{"shuffled 1..n", seq(200, func(i int) float64 { return float64((i*37)%200 + 1) }), true},
		{"increasing with gaps", seq(200, func(i int) float64 { return float64(1000 + i + i/3) }), true},
		{"sorted sparse measurement", seq(200, func(i int) float64 { return float64(500 + 7*i) }), false},
		{"short run of years", seq(30, func(i int) float64 { return float64(1990 + i) }), false},
		{"fractions", seq(200, func(i int) float64 { return float64(i) + 0.5 }), false},
		{"repeats", seq(200, func(i int) float64 { return float64(i / 2) }), false},
	} {
		f, err := frame.New(frame.NewNumeric("x", tt.v))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compute(context.Background(), f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(flagsOf(p, FlagIDLike)) == 1; got != tt.want {
			t.Errorf("%s: ID-like = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSplitMarker(t *testing.T) {
	p, err := Compute(context.Background(), load(t, "fine_foods_reviews.csv"), Options{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"split"}, flagsOf(p, FlagSplitMarker)); diff != "" {
		t.Errorf("split markers (-want +got):\n%s", diff)
	}
	p, err = Compute(context.Background(), parse(t, "s\ntrain\nsomething\ntest\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := flagsOf(p, FlagSplitMarker); len(got) != 0 {
		t.Errorf("split markers on mixed values = %q, want none", got)
	}
}
