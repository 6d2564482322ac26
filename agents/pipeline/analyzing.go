package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/trainyard/trainyard/agents/analyze"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// analysisSampleRows is how many rows the analyzer reads.
const analysisSampleRows = 5000

// analysisKey names the stored analysis (with the analyzer's extras: search metric,
// candidates).
const analysisKey = "analysis.json"

// analyzeStage is ANALYZING: the ProblemAnalyzer reads the description and a data sample.
func (p *Pipeline) analyzeStage(ctx context.Context, r *run) (*outcome, error) {
	f, err := p.loadFrame(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	desc := r.proj.ProblemDescription
	var plan trainyardv1.TrainingPlan
	_ = fromProtoJSON(r.proj.Plan, &plan)
	if t := strings.TrimSpace(plan.GetTargetColumn()); t != "" && f.Col(t) != nil {
		// The owner named the column: say so in the words the analyzer reads.
		desc = strings.TrimRight(desc, ". ") + ". Predict " + t + "."
	}
	an, err := p.analyzer.Analyze(ctx, desc, f.Head(analysisSampleRows))
	if err != nil {
		return nil, err
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, analysisKey), an); err != nil {
		return nil, err
	}
	out := &outcome{
		next:    store.StageDataProcessing,
		message: fmt.Sprintf("analysis done: %s on %s", an.ProblemType, an.TargetColumn),
	}
	out.changes.Analysis = protoJSON(analysisProto(an))
	out.decisions = append(out.decisions, an.Decisions...)
	return out, nil
}

// analysisProto converts the analyzer's result to the API's ProblemAnalysis.
func analysisProto(an *analyze.Analysis) *trainyardv1.ProblemAnalysis {
	pa := &trainyardv1.ProblemAnalysis{
		ProblemType: problemTypeProto(string(an.ProblemType)), TargetColumn: an.TargetColumn,
		Domain: an.Domain, Metrics: an.Metrics, Reasoning: an.Reasoning, Confidence: an.Confidence,
		DataType: dataTypeProto(an.DataType), Complexity: an.Complexity, PositiveClass: an.PositiveClass,
	}
	for _, c := range an.SuccessCriteria {
		pa.SuccessCriteria = append(pa.SuccessCriteria, &trainyardv1.SuccessCriterion{
			Metric: c.Metric, Threshold: c.Threshold, AtLeast: c.AtLeast, ClassLabel: c.ClassLabel, Text: c.Text,
		})
	}
	return pa
}

func problemTypeProto(t string) trainyardv1.ProblemType {
	switch t {
	case "binary":
		return trainyardv1.ProblemType_PROBLEM_TYPE_BINARY_CLASSIFICATION
	case "multiclass":
		return trainyardv1.ProblemType_PROBLEM_TYPE_MULTICLASS_CLASSIFICATION
	case "regression":
		return trainyardv1.ProblemType_PROBLEM_TYPE_REGRESSION
	case "object_detection":
		return trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION
	}
	return trainyardv1.ProblemType_PROBLEM_TYPE_UNSPECIFIED
}

func dataTypeProto(t string) trainyardv1.DataType {
	switch t {
	case "tabular":
		return trainyardv1.DataType_DATA_TYPE_TABULAR
	case "text":
		return trainyardv1.DataType_DATA_TYPE_TEXT
	case "multimodal":
		return trainyardv1.DataType_DATA_TYPE_MULTIMODAL
	case "image":
		return trainyardv1.DataType_DATA_TYPE_IMAGE
	}
	return trainyardv1.DataType_DATA_TYPE_UNSPECIFIED
}

// loadAnalysis reads the stored analysis.
func (p *Pipeline) loadAnalysis(ctx context.Context, r *run) (*analyze.Analysis, error) {
	var an analyze.Analysis
	if err := p.getJSON(ctx, stateKey(r.proj.ID, analysisKey), &an); err != nil {
		return nil, err
	}
	return &an, nil
}
