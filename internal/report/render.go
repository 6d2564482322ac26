package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// Decision is one entry of the decision log.
type Decision struct {
	Time       time.Time
	Stage      string
	Type       string
	Decision   string
	Reasoning  string
	Confidence float64
	Reasoner   string
}

// Input is what a report shows: the model (with its metrics, structured report and features)
// and its project's decisions in order.
type Input struct {
	Model     *trainyardv1.Model
	Decisions []Decision
	// Generated is when the page was made.
	Generated time.Time
}

// page is the template's data.
type page struct {
	Title, Subtitle, Summary string
	Problem                  []kv
	Criteria                 []criterion
	Rows                     []kv
	Features                 []feature
	Preprocessing            []string
	Candidates               []candidate
	Why                      string
	Metrics                  []kv
	Primary                  string
	Charts                   []template.HTML
	PerClass                 []*trainyardv1.ClassMetrics
	Importance               template.HTML
	ImportanceMethod         string
	Warnings                 []string
	Decisions                []Decision
	Generated                string
}

type kv struct{ K, V string }

type criterion struct {
	Text, Status, Class string
}

type feature struct {
	Name, Kind, Detail, Example string
}

type candidate struct {
	Learner, Params, Score, Fit, Note string
	Winner                            bool
}

// Render writes the report of in as one self-contained HTML page.
func Render(w io.Writer, in Input) error {
	p, err := build(in)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, p)
}

// build turns the input into the page.
func build(in Input) (*page, error) {
	m := in.Model
	if m == nil {
		return nil, fmt.Errorf("report: no model")
	}
	r := m.GetReport()
	met := m.GetMetrics()
	p := &page{Title: m.GetDisplayName(), Summary: r.GetSummary(), Generated: in.Generated.UTC().Format("2006-01-02 15:04 UTC")}
	if p.Title == "" {
		p.Title = "Model " + m.GetId()
	}
	p.Subtitle = fmt.Sprintf("%s · predicts %q · %s · model %s", problemName(m.GetProblemType()), m.GetTargetColumn(), m.GetArchitecture(), m.GetId())
	if a := r.GetAnalysis(); a != nil {
		p.Problem = append(p.Problem, kv{"Problem type", problemName(a.GetProblemType())}, kv{"Target column", a.GetTargetColumn()})
		if a.GetPositiveClass() != "" {
			p.Problem = append(p.Problem, kv{"Positive class", a.GetPositiveClass()})
		}
		if a.GetDomain() != "" {
			p.Problem = append(p.Problem, kv{"Domain", a.GetDomain()})
		}
		if len(a.GetMetrics()) > 0 {
			p.Problem = append(p.Problem, kv{"Metrics to optimize", strings.Join(a.GetMetrics(), ", ")})
		}
		p.Problem = append(p.Problem, kv{"Confidence", fmt.Sprintf("%.0f%%", 100*a.GetConfidence())})
		if a.GetReasoning() != "" {
			p.Problem = append(p.Problem, kv{"Reasoning", a.GetReasoning()})
		}
	} else {
		p.Problem = append(p.Problem, kv{"Problem type", problemName(m.GetProblemType())}, kv{"Target column", m.GetTargetColumn()})
	}
	for _, c := range r.GetSuccessCriteria() {
		cr := criterion{Text: c.GetText(), Status: "not evaluated", Class: "muted"}
		if cr.Text == "" {
			cr.Text = fmt.Sprintf("%s %s %g", c.GetMetric(), map[bool]string{true: "≥", false: "≤"}[c.GetAtLeast()], c.GetThreshold())
		}
		if c.Met != nil {
			cr.Status, cr.Class = "not met", "bad"
			if c.GetMet() {
				cr.Status, cr.Class = "met", "good"
			}
			if c.Achieved != nil {
				cr.Status += fmt.Sprintf(" (achieved %.4g)", c.GetAchieved())
			}
		}
		p.Criteria = append(p.Criteria, cr)
	}
	p.Rows = []kv{{"Training rows", count(r.GetTrainRows())}, {"Validation rows", count(r.GetValidationRows())},
		{"Held-out test rows", count(max(r.GetTestRows(), met.GetTestRows()))}}
	if r.GetTrainingSeconds() > 0 {
		p.Rows = append(p.Rows, kv{"Training time", fmt.Sprintf("%.1f s", r.GetTrainingSeconds())})
	}
	for _, f := range m.GetFeatures() {
		p.Features = append(p.Features, featureOf(f))
	}
	p.Preprocessing = r.GetPreprocessing()
	p.Candidates, p.Why = candidates(r.GetCandidates())
	p.Metrics, p.Primary = metricRows(met)
	p.Charts = charts(m)
	p.PerClass = met.GetPerClass()
	if fi := met.GetFeatureImportance(); len(fi) > 0 {
		bars := make([]Bar, 0, min(len(fi), 15))
		for _, f := range fi[:min(len(fi), 15)] {
			bars = append(bars, Bar{Label: f.GetFeature(), Value: f.GetImportance()})
		}
		p.ImportanceMethod = fi[0].GetMethod()
		p.Importance = template.HTML(barChart("Feature importance (top 15)", bars, func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }))
	}
	p.Warnings = r.GetWarnings()
	p.Decisions = in.Decisions
	return p, nil
}

// problemName reads a problem type for people.
func problemName(t trainyardv1.ProblemType) string {
	s := strings.TrimPrefix(t.String(), "PROBLEM_TYPE_")
	if s == "UNSPECIFIED" {
		return "unknown"
	}
	return strings.ToLower(strings.ReplaceAll(s, "_", " "))
}

// count formats a row count ("—" when unknown).
func count(n int64) string {
	if n <= 0 {
		return "—"
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// featureOf describes one input.
func featureOf(f *trainyardv1.FeatureSpec) feature {
	out := feature{Name: f.GetName(), Kind: strings.ToLower(strings.TrimPrefix(f.GetKind().String(), "FEATURE_KIND_")), Example: f.GetExample()}
	switch {
	case len(f.GetCategories()) > 0:
		cs := f.GetCategories()
		out.Detail = fmt.Sprintf("%d levels: %s", len(cs), strings.Join(cs[:min(len(cs), 6)], ", "))
		if len(cs) > 6 {
			out.Detail += ", …"
		}
	case f.Min != nil && f.Max != nil:
		out.Detail = fmt.Sprintf("%s to %s", tick(f.GetMin()), tick(f.GetMax()))
	}
	if f.GetOptional() {
		out.Detail = strings.TrimPrefix(out.Detail+"; missing values handled", "; ")
	}
	return out
}

// candidates lists the tried models, best first, and says why the best won.
func candidates(cs []*trainyardv1.Candidate) ([]candidate, string) {
	var out []candidate
	for i, c := range cs {
		out = append(out, candidate{Learner: c.GetLearner(), Params: c.GetParams(), Score: fmt.Sprintf("%.4f", c.GetScore()),
			Fit: fmt.Sprintf("%.2f s", c.GetFitSeconds()), Note: c.GetNote(), Winner: i == 0})
	}
	why := ""
	switch {
	case len(cs) == 1:
		why = fmt.Sprintf("One candidate was trained: %s.", cs[0].GetLearner())
	case len(cs) > 1:
		why = fmt.Sprintf("%s won with a validation score of %.4f against %.4f for the runner-up (%s), out of %d candidates; the held-out metrics below were measured on rows no candidate saw.",
			cs[0].GetLearner(), cs[0].GetScore(), cs[1].GetScore(), cs[1].GetLearner(), len(cs))
	}
	return out, why
}

// metricRows lists the held-out metrics, the primary one first.
func metricRows(m *trainyardv1.Metrics) ([]kv, string) {
	var names []string
	for k := range m.GetValues() {
		names = append(names, k)
	}
	sort.Strings(names)
	primary := m.GetPrimary().GetName()
	var out []kv
	for _, k := range names {
		v := m.GetValues()[k]
		row := kv{k, fmt.Sprintf("%.4f", v)}
		if k == primary {
			out = append([]kv{row}, out...)
			continue
		}
		out = append(out, row)
	}
	if m.Threshold != nil {
		out = append(out, kv{"decision threshold", fmt.Sprintf("%.4f", m.GetThreshold())})
	}
	return out, primary
}

// charts draws the held-out charts the metrics allow.
func charts(m *trainyardv1.Model) []template.HTML {
	met := m.GetMetrics()
	var out []template.HTML
	if cm := met.GetConfusionMatrix(); cm != nil && len(cm.GetLabels()) > 0 {
		counts := make([][]int64, len(cm.GetRows()))
		for i, r := range cm.GetRows() {
			counts[i] = r.GetCounts()
		}
		out = append(out, template.HTML(heatmap("Confusion matrix (held-out rows)", cm.GetLabels(), counts)))
	}
	if roc := curve(met.GetRocCurve()); len(roc) > 1 {
		title := "ROC curve"
		if auc, ok := met.GetValues()["roc_auc"]; ok {
			title = fmt.Sprintf("ROC curve (AUC %.3f)", auc)
		}
		out = append(out, template.HTML(lineChart(axes{title: title, xLabel: "false positive rate", yLabel: "true positive rate",
			xMax: 1, yMax: 1, diagonal: true}, series{name: "ROC", points: roc})))
	}
	if pr := curve(met.GetPrCurve()); len(pr) > 1 {
		title := "Precision-recall curve"
		if ap, ok := met.GetValues()["average_precision"]; ok {
			title = fmt.Sprintf("Precision-recall (AP %.3f)", ap)
		}
		out = append(out, template.HTML(lineChart(axes{title: title, xLabel: "recall", yLabel: "precision", xMax: 1, yMax: 1},
			series{name: "PR", points: pr})))
	}
	if cal := curve(met.GetCalibration()); len(cal) > 1 {
		out = append(out, template.HTML(lineChart(axes{title: "Calibration", xLabel: "mean predicted probability",
			yLabel: "observed frequency", xMax: 1, yMax: 1, diagonal: true}, series{name: "model", points: cal})))
	}
	if res := curve(met.GetResiduals()); len(res) > 1 {
		lo, hi := bounds(res)
		out = append(out, template.HTML(lineChart(axes{title: "Predicted against actual (held-out)", xLabel: "actual",
			yLabel: "predicted", xMin: lo, xMax: hi, yMin: lo, yMax: hi, diagonal: true}, series{name: "rows", points: res, dots: true})))
		errs := make([]Point, len(res))
		elo, ehi := math.Inf(1), math.Inf(-1)
		for i, p := range res {
			errs[i] = Point{X: p.Y, Y: p.Y - p.X}
			elo, ehi = math.Min(elo, errs[i].Y), math.Max(ehi, errs[i].Y)
		}
		xlo, xhi := bounds(res)
		pad := math.Max((ehi-elo)*0.05, 1e-9)
		out = append(out, template.HTML(lineChart(axes{title: "Residuals", xLabel: "predicted", yLabel: "predicted − actual",
			xMin: xlo, xMax: xhi, yMin: elo - pad, yMax: ehi + pad}, series{name: "residuals", points: errs, dots: true},
			series{name: "zero", points: []Point{{xlo, 0}, {xhi, 0}}, ref: true})))
	}
	return out
}

// curve converts curve points, dropping non-finite ones.
func curve(ps []*trainyardv1.CurvePoint) []Point {
	out := make([]Point, 0, len(ps))
	for _, p := range ps {
		if math.IsNaN(p.GetX()) || math.IsNaN(p.GetY()) || math.IsInf(p.GetX(), 0) || math.IsInf(p.GetY(), 0) {
			continue
		}
		out = append(out, Point{X: p.GetX(), Y: p.GetY()})
	}
	return out
}
