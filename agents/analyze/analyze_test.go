package analyze

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/agents/reasoner"
	"github.com/trainyard/trainyard/agents/reasoner/reasonertest"
	"github.com/trainyard/trainyard/ml/frame"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestAnalyzeRecordsDecisions(t *testing.T) {
	f := loadSample(t, "telco_churn.csv")
	an, err := New(nil).Analyze(context.Background(), "Find the customers likely to churn; I need at least 90% recall on churners", f)
	if err != nil {
		t.Fatal(err)
	}
	if an.TargetColumn != "churn" || an.ProblemType != Binary || an.PositiveClass != "Yes" {
		t.Errorf("Analyze = %s/%s positive %q, want churn/binary positive Yes", an.TargetColumn, an.ProblemType, an.PositiveClass)
	}
	wantCrit := []SuccessCriterion{{Metric: "recall", Threshold: 0.9, AtLeast: true, ClassLabel: "Yes", Text: "I need at least 90% recall on churners"}}
	if diff := cmp.Diff(wantCrit, an.SuccessCriteria); diff != "" {
		t.Errorf("criteria (-want +got):\n%s", diff)
	}
	if ev := an.Decisions[1].Evidence; ev["positive_class"] != "Yes" || ev["positive_class_reason"] != "it is the affirmative value" {
		t.Errorf("problem type evidence %v lacks the positive class and why", ev)
	}
	if an.Metrics[0] != "recall" || an.SearchMetric != "pr_auc" || an.Domain != "telecom" {
		t.Errorf("metrics %v, search %s, domain %s; want recall first, pr_auc, telecom", an.Metrics, an.SearchMetric, an.Domain)
	}
	var types []decision.Type
	for _, d := range an.Decisions {
		types = append(types, d.Type)
		if d.Reasoning == "" || d.Reasoner != "rules" || d.Confidence < 0 || d.Confidence > 1 || len(d.Evidence) == 0 || d.Decision == "" || d.Time.IsZero() {
			t.Errorf("decision %s is incomplete: %+v", d.Type, d)
		}
		// The evidence converts to the API's protobuf Struct as it is.
		if _, err := structpb.NewStruct(d.Evidence); err != nil {
			t.Errorf("decision %s evidence is not a protobuf Struct: %v", d.Type, err)
		}
		if d.Type != decision.SuccessCriteria && len(d.Alternatives) < 2 {
			t.Errorf("decision %s weighed %d alternatives, want ≥ 2", d.Type, len(d.Alternatives))
		}
	}
	want := []decision.Type{decision.TargetColumn, decision.ProblemType, decision.SuccessCriteria, decision.Metric, decision.Domain}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("decision types (-want +got):\n%s", diff)
	}
	if an.Confidence <= 0.3 || an.Complexity <= 0 || an.Complexity >= 1 || an.DataType != "tabular" {
		t.Errorf("confidence %v, complexity %v, data type %s", an.Confidence, an.Complexity, an.DataType)
	}
	for _, w := range []string{"churn", "binary", "recall", "telecom"} {
		if !strings.Contains(an.Reasoning, w) {
			t.Errorf("reasoning %q does not mention %q", an.Reasoning, w)
		}
	}
}

func TestAnalyzeTwoCriteria(t *testing.T) {
	an, err := New(nil).Analyze(context.Background(), "predict churn with 99% recall and 99% precision", loadSample(t, "telco_churn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range an.SuccessCriteria {
		got = append(got, describeCriterion(c))
	}
	want := []string{`recall ≥ 0.99 for class "Yes"`, `precision ≥ 0.99 for class "Yes"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("criteria (-want +got):\n%s", diff)
	}
}

func TestAnalyzeNoTarget(t *testing.T) {
	f := loadSample(t, "california_housing.csv")
	for _, desc := range []string{"", "help me with this data", "Here is my spreadsheet, do your magic"} {
		_, err := New(nil).Analyze(context.Background(), desc, f)
		var nt *NoTargetError
		if !errors.As(err, &nt) || !errors.Is(err, ErrNoTarget) {
			t.Errorf("Analyze(%q) error = %v, want a *NoTargetError", desc, err)
			continue
		}
		msg := err.Error()
		for _, w := range []string{"Try: \"predict ", "median_house_value", "ocean_proximity"} {
			if !strings.Contains(msg, w) {
				t.Errorf("Analyze(%q) error %q does not contain %q", desc, msg, w)
			}
		}
		if len(nt.Suggestions()) != 2 {
			t.Errorf("Suggestions() = %q, want an example and the candidates", nt.Suggestions())
		}
	}
}

func TestAnalyzeFallsBackToRules(t *testing.T) {
	f := loadSample(t, "telco_churn.csv")
	for _, b := range []reasonertest.Behavior{reasonertest.BadJSON, reasonertest.OutOfSchema, reasonertest.UnknownValue, reasonertest.Hang, reasonertest.Fail} {
		fake := &reasonertest.LLM{Behavior: b, Delay: time.Second}
		g := &reasoner.Guard{Primary: fake, Fallback: reasoner.Rules{}, Timeout: 20 * time.Millisecond}
		an, err := New(g).Analyze(context.Background(), "predict which customers will churn, at least 80% recall", f)
		if err != nil {
			t.Fatalf("behavior %d: %v", b, err)
		}
		if an.TargetColumn != "churn" || an.ProblemType != Binary {
			t.Errorf("behavior %d: got %s/%s, want churn/binary", b, an.TargetColumn, an.ProblemType)
		}
		if len(an.Decisions) != 5 {
			t.Errorf("behavior %d: %d decisions, want 5", b, len(an.Decisions))
		}
		for _, d := range an.Decisions {
			if !strings.HasPrefix(d.Reasoner, "rules (fallback from fake-llm: ") {
				t.Errorf("behavior %d: decision %s made by %q, want the rules as fallback", b, d.Type, d.Reasoner)
			}
		}
	}
	good := &reasonertest.LLM{Behavior: reasonertest.Echo}
	an, err := New(reasoner.NewGuard(good)).Analyze(context.Background(), "predict which customers will churn", f)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range an.Decisions {
		if d.Reasoner != "fake-llm" {
			t.Errorf("well-behaved model: decision %s made by %q, want fake-llm", d.Type, d.Reasoner)
		}
	}
	if ps := good.Prompts(); len(ps) != len(an.Decisions) || !strings.Contains(ps[0], "Which column should the model predict?") ||
		!strings.Contains(ps[0], `"churn" score`) || !strings.Contains(ps[0], `"column": "tenure"`) {
		t.Errorf("prompts sent to the model: %d, first:\n%s", len(ps), ps[0])
	}
}

// customers is a small table whose names exercise camelCase, units and a
// label-like column.
func customers(t *testing.T) *frame.Frame {
	t.Helper()
	n := 120
	id := make([]string, n)
	fee := make([]float64, n)
	months := make([]float64, n)
	will := make([]string, n)
	region := make([]string, n)
	for i := range n {
		id[i] = fmt.Sprintf("C%04d", i*7+3)
		fee[i] = 20 + float64(i*37%97) + float64(i%7)/10
		months[i] = float64(i*13%72 + 1)
		will[i] = []string{"No", "No", "Yes"}[i%3]
		region[i] = []string{"North", "South", "East", "West"}[i*5%4]
	}
	f, err := frame.New(
		frame.NewStrings("customerId", frame.ID, id),
		frame.NewNumeric("monthlyFeeUSD", fee),
		frame.NewNumeric("TenureMonths", months),
		frame.NewStrings("WillChurn", frame.Categorical, will),
		frame.NewStrings("sales_region", frame.Categorical, region),
	)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAnalyzeFindsTarget(t *testing.T) {
	f := customers(t)
	for _, tc := range []struct {
		desc, target string
		task         ProblemType
	}{
		{"which customers will churn?", "WillChurn", Binary},
		{"I want to know who is going to leave", "WillChurn", Binary},
		{"how much do they pay each month?", "monthlyFeeUSD", Regression},
		{"estimate the monthly fee", "monthlyFeeUSD", Regression},
		{"predict tenure in months from the fee and the region", "TenureMonths", Regression},
		{"Classify customers by sales region", "sales_region", Multiclass},
		{"predict willchurn", "WillChurn", Binary},
		{"predcit who will chrun", "WillChurn", Binary},
	} {
		an, err := New(nil).Analyze(context.Background(), tc.desc, f)
		if err != nil {
			t.Errorf("Analyze(%q): %v", tc.desc, err)
			continue
		}
		if an.TargetColumn != tc.target || an.ProblemType != tc.task {
			t.Errorf("Analyze(%q) = %s/%s, want %s/%s; candidates %+v", tc.desc, an.TargetColumn, an.ProblemType, tc.target, tc.task, an.Candidates)
		}
	}
}

// loans is a small lending table: an identifier, two amounts, a grade and
// a two-valued status written in words.
func loans(t *testing.T) *frame.Frame {
	t.Helper()
	n := 150
	id := make([]string, n)
	amount := make([]float64, n)
	income := make([]float64, n)
	grade := make([]string, n)
	status := make([]string, n)
	for i := range n {
		id[i] = fmt.Sprintf("L-%05d", 7919*i%100000)
		amount[i] = float64(1000 + i*317%30000)
		income[i] = float64(20000 + i*1231%90000)
		grade[i] = string(rune('A' + i*3%7))
		status[i] = []string{"Fully Paid", "Fully Paid", "Fully Paid", "Charged Off"}[i%4]
	}
	f, err := frame.New(
		frame.NewStrings("loan_id", frame.ID, id),
		frame.NewNumeric("loan_amnt", amount),
		frame.NewNumeric("annual_inc", income),
		frame.NewStrings("grade", frame.Categorical, grade),
		frame.NewStrings("loan_status", frame.Categorical, status),
	)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAnalyzeLoans(t *testing.T) {
	f := loans(t)
	for _, tc := range []struct {
		desc, target, positive string
		task                   ProblemType
	}{
		{"Will the borrower pay back the loan?", "loan_status", "Charged Off", Binary},
		{"which loans get charged off?", "loan_status", "Charged Off", Binary},
		{"estimate how much each applicant earns per year", "annual_inc", "", Regression},
		{"what grade should a new loan get", "grade", "", Multiclass},
		{"predict the loan amount from income and grade", "loan_amnt", "", Regression},
		{"Will the loan go bad? I have the amount, the income and the grade.", "loan_status", "Charged Off", Binary},
	} {
		an, err := New(nil).Analyze(context.Background(), tc.desc, f)
		if err != nil {
			t.Errorf("Analyze(%q): %v", tc.desc, err)
			continue
		}
		if an.TargetColumn != tc.target || an.ProblemType != tc.task || an.PositiveClass != tc.positive {
			t.Errorf("Analyze(%q) = %s/%s positive %q, want %s/%s positive %q; candidates %+v", tc.desc,
				an.TargetColumn, an.ProblemType, an.PositiveClass, tc.target, tc.task, tc.positive, an.Candidates)
		}
	}
}

func TestAnalyzeLabelNamedColumn(t *testing.T) {
	n := 60
	text := make([]string, n)
	label := make([]string, n)
	score := make([]float64, n)
	for i := range n {
		text[i] = fmt.Sprintf("review number %d says the thing was fine or not", i)
		label[i] = []string{"pos", "neg"}[i%2]
		score[i] = float64(i % 41)
	}
	f, err := frame.New(frame.NewStrings("label", frame.Categorical, label), frame.NewNumeric("votes", score), frame.NewStrings("body", frame.Text, text))
	if err != nil {
		t.Fatal(err)
	}
	an, err := New(nil).Analyze(context.Background(), "train something on my reviews", f)
	if err != nil {
		t.Fatal(err)
	}
	if an.TargetColumn != "label" || an.ProblemType != Binary || an.PositiveClass != "pos" || an.DataType != "text" {
		t.Errorf("Analyze = %s/%s positive %q data %s, want label/binary positive pos data text", an.TargetColumn, an.ProblemType, an.PositiveClass, an.DataType)
	}
}

func TestAnalyzePartlyLabeled(t *testing.T) {
	n := 100
	label := make([]string, n)
	size := make([]float64, n)
	for i := range n {
		if i%10 < 3 {
			label[i] = []string{"cat", "dog", "bird"}[i%3]
		}
		size[i] = float64(i*7%50) + 0.5
	}
	f, err := frame.New(frame.NewNumeric("size_cm", size), frame.NewStrings("animal", frame.Categorical, label))
	if err != nil {
		t.Fatal(err)
	}
	an, err := New(nil).Analyze(context.Background(), "tell me which animal each one is", f)
	if err != nil {
		t.Fatal(err)
	}
	if an.TargetColumn != "animal" || an.ProblemType != Multiclass || an.Unlabeled != 70 {
		t.Errorf("Analyze = %s/%s with %d unlabeled, want animal/multiclass with 70", an.TargetColumn, an.ProblemType, an.Unlabeled)
	}
}

func TestAnalyzeImageList(t *testing.T) {
	an, err := New(nil).Analyze(context.Background(), "classify the clothing pictures", loadSample(t, "fashion_mnist/labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if an.TargetColumn != "label" || an.ProblemType != Multiclass || an.DataType != "image" {
		t.Errorf("Analyze = %s/%s data %s, want label/multiclass data image; candidates %+v", an.TargetColumn, an.ProblemType, an.DataType, an.Candidates)
	}
}

func TestAnalyzeGenericNames(t *testing.T) {
	n := 80
	x1, x2, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		x1[i], x2[i] = float64(i%13), float64(i*7%31)
		y[i] = 2*x1[i] - x2[i] + float64(i%5)/10
	}
	f, err := frame.New(frame.NewNumeric("y", y), frame.NewNumeric("x1", x1), frame.NewNumeric("x2", x2))
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range []string{"predict y from x1 and x2", "fit a regression model", "estimate Y"} {
		an, err := New(nil).Analyze(context.Background(), desc, f)
		if err != nil {
			t.Errorf("Analyze(%q): %v", desc, err)
			continue
		}
		if an.TargetColumn != "y" || an.ProblemType != Regression {
			t.Errorf("Analyze(%q) = %s/%s, want y/regression; candidates %+v", desc, an.TargetColumn, an.ProblemType, an.Candidates)
		}
	}
}

// TestConfidenceIsMeaningful: a target's confidence is the chance that it rather than the
// runner-up is the column to predict. Named, churn is surer than when only synonyms and the
// data point to it, yet clear either way; a label among measurements that cannot be classes
// is the clear target however the description hints at it.
func TestConfidenceIsMeaningful(t *testing.T) {
	ctx := context.Background()
	telco := loadSample(t, "telco_churn.csv")
	named, err := New(nil).Analyze(ctx, "predict which customers will churn", telco)
	if err != nil {
		t.Fatal(err)
	}
	vague, err := New(nil).Analyze(ctx, "We keep losing clients. Flag the ones at risk of quitting so we can call them", telco)
	if err != nil {
		t.Fatal(err)
	}
	if named.TargetColumn != "churn" || vague.TargetColumn != "churn" {
		t.Fatalf("targets %s and %s, want churn", named.TargetColumn, vague.TargetColumn)
	}
	nc, vc := named.Decisions[0].Confidence, vague.Decisions[0].Confidence
	if !(nc > vc+0.1) || vc < 0.75 {
		t.Errorf("target confidence named %v, from synonyms and the data %v; want the named one clearly higher, both clear (≥ 0.75)", nc, vc)
	}
	want := decision.SuitedOver(named.Candidates[0].Score, named.Candidates[1].Score)
	if math.Abs(nc-want) > 5e-4 {
		t.Errorf("confidence %v, want SuitedOver(%v, %v) = %v", nc, named.Candidates[0].Score, named.Candidates[1].Score, want)
	}
	iris, err := New(nil).Analyze(ctx, "I measured some flowers and want to know what kind each one is", loadSample(t, "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if c := iris.Decisions[0].Confidence; iris.TargetColumn != "species" || c < 0.95 {
		t.Errorf("iris from a hint: target %s with confidence %v, want species, clear (≥ 0.95)", iris.TargetColumn, c)
	}
}

func TestPositiveClass(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ file, desc, want string }{
		{"adult.csv", "predict whether income is over 50K", ">50K"},
		{"titanic.csv", "predict whether a passenger survived", "1"},
		{"breast_cancer.csv", "is the tumour malignant?", "malignant"},
		{"sms_spam.csv", "spam or ham?", "spam"},
	} {
		an, err := New(nil).Analyze(ctx, tc.desc, loadSample(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if an.PositiveClass != tc.want {
			t.Errorf("Analyze(%s, %q).PositiveClass = %q, want %q", tc.file, tc.desc, an.PositiveClass, tc.want)
		}
	}
}

func TestMetricsByTask(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		file, desc string
		want       []string
	}{
		{"breast_cancer.csv", "predict the diagnosis", []string{"roc_auc", "accuracy", "f1", "logloss"}},
		{"telco_churn.csv", "predict churn", []string{"roc_auc", "pr_auc", "f1", "logloss", "accuracy"}},
		{"iris.csv", "predict the species", []string{"accuracy", "f1_macro", "logloss"}},
		{"diabetes.csv", "predict disease progression", []string{"rmse", "mae", "r2"}},
		{"diabetes.csv", "predict disease progression with an R2 of at least 0.5", []string{"r2", "rmse", "mae"}},
	} {
		an, err := New(nil).Analyze(ctx, tc.desc, loadSample(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if diff := cmp.Diff(tc.want, an.Metrics); diff != "" {
			t.Errorf("Analyze(%s, %q).Metrics (-want +got):\n%s", tc.file, tc.desc, diff)
		}
	}
}

// TestMetricOptionsRareClass: for a multiclass target whose rarest class is under a quarter of
// its even share, macro F1 leads and accuracy's evidence says it hides that class; with even
// classes accuracy leads, saying nothing of a rare class.
func TestMetricOptionsRareClass(t *testing.T) {
	for _, tc := range []struct {
		minority float64
		lead     string
		hides    bool
	}{{0.02, "f1_macro", true}, {1.0 / 3, "accuracy", false}} {
		opts := metricOptions(Multiclass, tc.minority, 3, nil)
		best := opts[0]
		for _, o := range opts[1:] {
			if o.Score > best.Score {
				best = o
			}
		}
		acc := opts[slices.IndexFunc(opts, func(o reasoner.Option) bool { return o.Value == "accuracy" })]
		if hides := strings.Contains(strings.Join(acc.Evidence, "; "), "hides the rare class"); best.Value != tc.lead || hides != tc.hides {
			t.Errorf("rarest class %.0f%% of 3: %s leads (%v); accuracy's evidence %q; want %s to lead, hiding said %v", 100*tc.minority, best.Value, opts, acc.Evidence, tc.lead, tc.hides)
		}
	}
}

// TestMetricConfidence: the metric a rule dictates is a clear or fairly clear choice (ROC AUC
// for churn read 0.05 as a margin over PR AUC, 0.59 when 0.85 and 0.8 were read as chances to
// suit), while the first of two goals the user set leads the second only by the order of
// mention, a near tie.
func TestMetricConfidence(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		file, desc, want string
		lo, hi           float64
	}{
		{"telco_churn.csv", "predict which customers will churn", "optimize roc_auc", 0.8, 1},
		{"breast_cancer.csv", "predict the diagnosis", "optimize roc_auc", 0.85, 1},
		{"iris.csv", "predict the species", "optimize accuracy", 0.6, 1},
		{"telco_churn.csv", "predict churn; I need at least 90% recall on churners", "optimize recall", 0.9, 1},
		{"telco_churn.csv", "predict churn with 99% recall and 99% precision", "optimize recall", 0.5, 0.6},
	} {
		an, err := New(nil).Analyze(ctx, tc.desc, loadSample(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		i := slices.IndexFunc(an.Decisions, func(d decision.Decision) bool { return d.Type == decision.Metric })
		if d := an.Decisions[i]; d.Decision != tc.want || d.Confidence < tc.lo || d.Confidence > tc.hi {
			t.Errorf("Analyze(%s, %q): %q with confidence %v, want %q within [%v, %v]", tc.file, tc.desc, d.Decision, d.Confidence, tc.want, tc.lo, tc.hi)
		}
	}
}

func TestAnalyzerIsSafeToShare(t *testing.T) {
	a := New(nil)
	cases := loadCorpus(t, "testdata/corpus.json")[:12]
	want := make([]string, len(cases))
	for i, c := range cases {
		an, err := a.Analyze(context.Background(), c.Description, loadSample(t, c.File))
		if err == nil {
			want[i] = an.TargetColumn
		}
	}
	got := make([]string, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		f := loadSample(t, c.File)
		wg.Go(func() {
			if an, err := a.Analyze(context.Background(), c.Description, f); err == nil {
				got[i] = an.TargetColumn
			}
		})
	}
	wg.Wait()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets analyzed concurrently (-sequential +concurrent):\n%s", diff)
	}
}
