package pipeline

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/metrics"
	"github.com/trainyard/trainyard/ml/model"
)

// metricsProto converts the held-out evaluation to the API's Metrics.
func metricsProto(fin *finalEval, st *trainState, art *model.Artifact) *trainyardv1.Metrics {
	m := &trainyardv1.Metrics{Values: map[string]float64{}, TestRows: int64(fin.TestRows)}
	for k, v := range fin.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m.Values[k] = v
		}
	}
	if pm, err := metrics.Lookup(st.Metric); err == nil {
		if v, ok := m.Values[pm.Name]; ok {
			m.Primary = &trainyardv1.Metric{Name: pm.Name, Value: v, HigherIsBetter: pm.HigherIsBetter, Description: pm.Description}
		}
	}
	if fin.HasThresh {
		t := fin.Threshold
		m.Threshold = &t
	}
	if c := fin.Summary.Classification; c != nil {
		cm := &trainyardv1.ConfusionMatrix{Labels: art.Classes}
		for _, row := range c.ConfusionMatrix {
			r := &trainyardv1.ConfusionRow{}
			for _, n := range row {
				r.Counts = append(r.Counts, int64(n))
			}
			cm.Rows = append(cm.Rows, r)
		}
		m.ConfusionMatrix = cm
		for _, pt := range metrics.Downsample(c.ROC, 100) {
			t := finite(pt.Threshold)
			m.RocCurve = append(m.RocCurve, &trainyardv1.CurvePoint{X: pt.FPR, Y: pt.TPR, Threshold: t})
		}
		for _, pt := range metrics.Downsample(c.PR, 100) {
			t := finite(pt.Threshold)
			m.PrCurve = append(m.PrCurve, &trainyardv1.CurvePoint{X: pt.Recall, Y: pt.Precision, Threshold: t})
		}
		for _, b := range c.Calibration {
			m.Calibration = append(m.Calibration, &trainyardv1.CurvePoint{X: b.MeanPredicted, Y: b.FractionPositive})
		}
		for k, cs := range c.Report.PerClass {
			label := fmt.Sprint(k)
			if k < len(art.Classes) {
				label = art.Classes[k]
			}
			m.PerClass = append(m.PerClass, &trainyardv1.ClassMetrics{Label: label, Precision: cs.Precision, Recall: cs.Recall, F1: cs.F1, Support: int64(cs.Support)})
		}
	}
	for _, imp := range importance(art) {
		m.FeatureImportance = append(m.FeatureImportance, imp)
	}
	return m
}

// finite returns a pointer to v, or nil when it is not finite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// importance returns the tree members' split-gain importance by input column, normalized.
func importance(art *model.Artifact) []*trainyardv1.FeatureImportance {
	if len(art.Importance) > 0 {
		var out []*trainyardv1.FeatureImportance
		for _, im := range art.Importance {
			out = append(out, &trainyardv1.FeatureImportance{Feature: im.Column, Importance: im.Gain, Method: "gain"})
		}
		return out
	}
	gain := map[string]float64{}
	total := 0.0
	for _, m := range art.Members {
		if m.Trees == nil || m.Pipeline >= len(art.Pipelines) {
			continue
		}
		pl := art.Pipelines[m.Pipeline]
		for _, t := range m.Trees.Trees {
			for _, n := range t.Nodes {
				if n.Leaf || n.Feature < 0 || n.Feature >= len(pl.Names) || n.Gain <= 0 {
					continue
				}
				col := sourceColumn(pl.Names[n.Feature], art)
				gain[col] += m.Weight * n.Gain
				total += m.Weight * n.Gain
			}
		}
	}
	if total == 0 {
		return nil
	}
	var out []*trainyardv1.FeatureImportance
	for c, g := range gain {
		out = append(out, &trainyardv1.FeatureImportance{Feature: c, Importance: g / total, Method: "gain"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Importance > out[j].Importance })
	if len(out) > 30 {
		out = out[:30]
	}
	return out
}

// sourceColumn maps a preprocessed feature name ("Contract=Two year", "date__month") to the
// input column it comes from.
func sourceColumn(feature string, art *model.Artifact) string {
	best := feature
	for _, c := range art.Schema {
		if strings.HasPrefix(feature, c.Name) && (len(c.Name) > len(best) || best == feature) {
			if len(feature) == len(c.Name) || strings.ContainsAny(feature[len(c.Name):len(c.Name)+1], "=_") {
				best = c.Name
			}
		}
	}
	return best
}

// reportWarningPrefix marks a step in dataState.Preprocessing that the report shows as a
// warning instead (the labeling stage notes a test set that is not wholly real labels this way).
const reportWarningPrefix = "warning: "

// reportProto builds the model report.
func reportProto(an *analyze.Analysis, ds *dataState, st *trainState, fin *finalEval, ev *evalState, warnings []string) *trainyardv1.ModelReport {
	pa := analysisProto(an)
	for i, c := range fin.Criteria {
		met, ach := c.Met, c.Achieved
		pa.SuccessCriteria[i].Met = &met
		pa.SuccessCriteria[i].Achieved = &ach
	}
	var steps []string
	for _, step := range ds.Preprocessing {
		if w, ok := strings.CutPrefix(step, reportWarningPrefix); ok {
			warnings = append(warnings, w)
			continue
		}
		steps = append(steps, step)
	}
	rep := &trainyardv1.ModelReport{
		Analysis: pa, Preprocessing: steps, TrainingSeconds: st.Seconds,
		TrainRows: int64(len(ds.Train)), TestRows: int64(fin.TestRows), SuccessCriteria: pa.SuccessCriteria,
	}
	trials := append([]trialSummary{}, st.Trials...)
	sort.SliceStable(trials, func(i, j int) bool {
		if trials[i].Status != trials[j].Status {
			return trials[i].Status == "ok"
		}
		return st.metric().Better(trials[i].Score, trials[j].Score)
	})
	for _, t := range trials {
		rep.Candidates = append(rep.Candidates, &trainyardv1.Candidate{Learner: t.Learner, Params: t.Params, Score: t.Score, FitSeconds: t.Seconds, Note: t.Note})
	}
	if ds.MinorityShare > 0 && ds.MinorityShare < 0.2 {
		warnings = append(warnings, fmt.Sprintf("the rarest class is %.1f%% of the rows", 100*ds.MinorityShare))
	}
	if len(ds.Train) < 500 {
		warnings = append(warnings, fmt.Sprintf("small data: %d training rows; expect the metrics to vary", len(ds.Train)))
	}
	for _, d := range ds.Dropped {
		if strings.HasPrefix(d.Reason, "target leak") {
			warnings = append(warnings, fmt.Sprintf("column %s was dropped as a suspected target leak", d.Column))
		}
	}
	if fin.Why != "" {
		warnings = append(warnings, "success criteria not met: "+fin.Why)
	}
	rep.Warnings = warnings
	var primary string
	if v, ok := fin.Values[st.Metric]; ok {
		primary = fmt.Sprintf("%s %.3f", st.Metric, v)
	} else {
		primary = metricLine(fin.Values)
	}
	iters := ""
	if n := len(ev.Iterations); n > 1 {
		iters = fmt.Sprintf(" over %d iterations", n)
	}
	rep.Summary = fmt.Sprintf("This model predicts %s (%s) from %d input columns. It was chosen among %d candidates%s by %s and scores %s on %d held-out rows it never saw during training.",
		ds.Target, ds.Task, ds.Columns-1-len(ds.Dropped), st.Finished, iters, st.Validation, primary, fin.TestRows)
	if len(fin.Criteria) > 0 {
		if fin.CriteriaMet {
			rep.Summary += " Every success criterion is met."
		} else {
			rep.Summary += " Not every success criterion is met: " + fin.Why + "."
		}
	}
	return rep
}

// featureSpecs describes the model's inputs with real examples from the data.
func featureSpecs(art *model.Artifact, f *frame.Frame) []*trainyardv1.FeatureSpec {
	var out []*trainyardv1.FeatureSpec
	for _, c := range art.Schema {
		fs := &trainyardv1.FeatureSpec{Name: c.Name, Optional: true}
		col := f.Col(c.Name)
		switch c.Kind {
		case "numeric":
			fs.Kind = trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC
		case "boolean":
			fs.Kind = trainyardv1.FeatureKind_FEATURE_KIND_BOOLEAN
		case "datetime":
			fs.Kind = trainyardv1.FeatureKind_FEATURE_KIND_DATETIME
		case "text":
			fs.Kind = trainyardv1.FeatureKind_FEATURE_KIND_TEXT
		default:
			fs.Kind = trainyardv1.FeatureKind_FEATURE_KIND_CATEGORICAL
		}
		if col != nil {
			for i := range col.Len() {
				if !col.Missing[i] {
					fs.Example = col.Value(i)
					break
				}
			}
			if col.Kind == frame.Numeric {
				lo, hi := math.Inf(1), math.Inf(-1)
				for i, v := range col.Num {
					if !col.Missing[i] && !math.IsInf(v, 0) {
						lo, hi = math.Min(lo, v), math.Max(hi, v)
					}
				}
				if lo <= hi {
					fs.Min, fs.Max = &lo, &hi
				}
			}
			if col.Kind == frame.Categorical {
				levels, _ := col.Levels()
				if len(levels) <= 50 {
					fs.Categories = levels
				}
			}
		}
		out = append(out, fs)
	}
	return out
}

// codeExamples fills ready-to-run snippets with the model's features and a real row.
func codeExamples(publicURL, modelID string, specs []*trainyardv1.FeatureSpec) *trainyardv1.CodeExamples {
	inst := map[string]any{}
	for _, fs := range specs {
		if fs.Example == "" {
			continue
		}
		if fs.Kind == trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC {
			var v float64
			if _, err := fmt.Sscan(fs.Example, &v); err == nil {
				inst[fs.Name] = v
				continue
			}
		}
		inst[fs.Name] = fs.Example
	}
	body, _ := json.Marshal(map[string]any{"instances": []any{inst}})
	pretty, _ := json.MarshalIndent(inst, "    ", "  ")
	base := strings.TrimRight(publicURL, "/")
	return &trainyardv1.CodeExamples{
		Curl:         fmt.Sprintf("curl -s -X POST %s/api/v1/models/%s/predict \\\n  -H \"Authorization: Bearer $TRAINYARD_API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -d '%s'", base, modelID, body),
		Python:       fmt.Sprintf("from trainyard import Client\n\nclient = Client(%q)  # reads the API key from ~/.config/trainyard/credentials.json\nprint(client.predict(%q, [\n    %s\n]))", base, modelID, pretty),
		Typescript:   fmt.Sprintf("import { Client } from \"@trainyard/client\";\n\nconst client = new Client({ baseUrl: %q, apiKey: process.env.TRAINYARD_API_KEY });\nconsole.log(await client.predict(%q, [\n    %s\n]));", base, modelID, pretty),
		Grpcurl:      fmt.Sprintf("grpcurl -H \"Authorization: Bearer $TRAINYARD_API_KEY\" -d '{\"name\": \"models/%s\", \"instances\": [%s]}' \\\n  %s trainyard.v1.PredictionService/Predict", modelID, mustJSON(inst), strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")),
		Tritonclient: fmt.Sprintf("curl -s -X POST %s/v2/models/%s/infer -H \"Authorization: Bearer $TRAINYARD_API_KEY\" -d @request.json", base, modelID),
	}
}
