package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/split"
)

// The families of the image search: a small convolutional network and softmax regression on
// downscaled pixels, trained one after the other under one budget.
const (
	familyCNN    = "cnn"
	familyPixels = "pixels_logistic"
)

// secondsPerImage is the budget derived per training image when the owner sets none.
const secondsPerImage = 0.015

// routeStage runs the project's current stage: the image track for image archives, the
// tabular agents otherwise.
func (p *Pipeline) routeStage(ctx context.Context, r *run) (*outcome, error) {
	if isImageProject(r.proj) {
		if isDetectionProject(r.proj) {
			if f := p.detectStageFunc(r.stage); f != nil {
				return f(ctx, r)
			}
		}
		if f := p.imageStageFunc(r.stage); f != nil {
			return f(ctx, r)
		}
	}
	return p.stageFunc(r.stage)(ctx, r)
}

// imageStageFunc returns the image track's agent of a stage (nil: the stage is the same as
// for tables, or does not occur).
func (p *Pipeline) imageStageFunc(s store.Stage) func(context.Context, *run) (*outcome, error) {
	switch s {
	case store.StageAnalyzing:
		return p.imageAnalyzeStage
	case store.StageDataProcessing:
		return p.imageProcessStage
	case store.StageModelSelection:
		return p.imageSelectStage
	case store.StageTraining:
		return p.imageTrainStage
	case store.StageEvaluation:
		return p.imageEvaluateStage
	case store.StageDeployment:
		return p.imageDeployStage
	}
	return nil
}

// imageAnalyzeStage is ANALYZING for an image archive: the label is the class folder, the
// task is classification into the folders' classes, judged by accuracy.
func (p *Pipeline) imageAnalyzeStage(ctx context.Context, r *run) (*outcome, error) {
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	classes, counts, unlabeled := imageClasses(ex)
	// Boxes make object detection data; so does a description asking where objects are in
	// images that no class folders label (class folders mean classification).
	if boxes := countBoxes(ex); boxes > 0 || (len(classes) < 2 && analyze.AsksObjectDetection(r.proj.ProblemDescription)) {
		return p.detectAnalyzeStage(ctx, r, ex, boxes)
	}
	if len(classes) < 2 {
		return nil, userErrorf([]string{"Put the images of each class in a folder named after the class, at least two classes", "Zip the folders together and upload the archive"},
			"the archive holds %d class folder(s) with images; a classifier needs at least two", len(classes))
	}
	task := analyze.Multiclass
	if len(classes) == 2 {
		task = analyze.Binary
	}
	an := &analyze.Analysis{
		ProblemType: task, TargetColumn: imageTarget, Domain: "images", Metrics: []string{"accuracy", "f1_macro"},
		SearchMetric: "accuracy", DataType: "image", Confidence: 0.9, Complexity: 0.5,
		Reasoning: fmt.Sprintf("An archive of %d images in %d class folders: classify an image into its folder's class.", len(ex)-unlabeled, len(classes)),
	}
	ev := map[string]any{"images": len(ex), "unlabeled_images": unlabeled, "classes": len(classes), "images_per_class": counts}
	an.Decisions = []decision.Decision{
		p.decided(decision.TargetColumn, "predict each image's class (its folder in the archive)",
			"The archive's images sit in one folder per class; the folder names are the labels.",
			[]decision.Alternative{alt("folder names as labels", 0.9, "the usual layout of an image dataset")}, ev, an.Confidence),
		p.decided(decision.ProblemType, fmt.Sprintf("%s image classification into %d classes", task, len(classes)),
			fmt.Sprintf("%d classes: %s.", len(classes), strings.Join(classes[:min(10, len(classes))], ", ")),
			[]decision.Alternative{alt(string(task), 0.9, "one label per image")}, ev, an.Confidence),
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, analysisKey), an); err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageDataProcessing, message: fmt.Sprintf("analysis done: %s image classification, %d classes", task, len(classes))}
	out.changes.Analysis = protoJSON(analysisProto(an))
	out.decisions = append(out.decisions, an.Decisions...)
	return out, nil
}

// imageProcessStage is DATA_PROCESSING for images: unlabeled images are left out and the
// labeled ones split into training and held-out test images, stratified by class. Images are
// decoded and scaled when the learners read them.
func (p *Pipeline) imageProcessStage(ctx context.Context, r *run) (*outcome, error) {
	ex, err := p.loadImages(ctx, r.proj)
	if err != nil {
		return nil, err
	}
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	classes, counts, unlabeled := imageClasses(ex)
	labeled := make([]int, 0, len(ex))
	y := make([]float64, 0, len(ex))
	for i, e := range ex {
		if e.Label != "" {
			labeled = append(labeled, i)
			y = append(y, float64(slices.Index(classes, e.Label)))
		}
	}
	if len(labeled) < minLabeledRows {
		return nil, userErrorf([]string{fmt.Sprintf("Upload at least %d images in class folders", minLabeledRows)},
			"only %d images are in class folders; at least %d are needed to train and test a model", len(labeled), minLabeledRows)
	}
	h, err := split.StratifiedHoldout(y, split.Fractions{Test: testShare}, p.opts.Seed)
	if err != nil {
		return nil, userErrorf([]string{"Upload more images of each class"}, "the %d images cannot be split into training and test sets: %v", len(labeled), err)
	}
	ds := &dataState{Target: imageTarget, Task: string(an.ProblemType), Rows: len(ex), Columns: 2, Dropped: []droppedColumn{},
		Unlabeled: unlabeled, Train: gatherRows(labeled, append(h.Train, h.Valid...)), Test: gatherRows(labeled, h.Test)}
	slices.Sort(ds.Train)
	minority := math.MaxInt
	for _, n := range counts {
		minority = min(minority, n)
	}
	ds.MinorityShare = float64(minority) / float64(len(labeled))
	ds.SplitScheme = fmt.Sprintf("random %.0f%% of the images held out for testing, stratified by class", 100*testShare)
	ds.Preprocessing = []string{
		"images decoded (PNG, JPEG, GIF, WebP; format sniffed from the bytes) and scaled to the first image's size (at most 64x64), gray when every image is gray, pixel values in [0, 1]",
	}
	out := &outcome{next: store.StageModelSelection}
	if unlabeled > 0 {
		ds.Preprocessing = append(ds.Preprocessing, fmt.Sprintf("%d images outside class folders are left out (no label)", unlabeled))
	}
	out.decide(p.ruled(typeLabeling, "skip labeling: "+fmt.Sprintf("%d of %d images are in class folders", len(labeled), len(ex)),
		"Every image in a class folder is labeled by its folder; images at the top of the archive have no label and are left out.",
		[]decision.Alternative{alt("skip labeling", 0.9, "the folders label the images"), alt("labeling stage", 0.1, "only for images without a folder")},
		map[string]any{"labeled_images": len(labeled), "unlabeled_images": unlabeled}))
	out.decide(p.ruled(typeSplit, ds.SplitScheme,
		fmt.Sprintf("%d images train the learners (which hold out 10%% of them to choose between the network and the pixel baseline) and %d are kept for the final test, never seen in training.", len(ds.Train), len(ds.Test)),
		[]decision.Alternative{alt("stratified", 0.8, "each class keeps its share in the test set"), alt("plain random", 0.6, "rare classes may be under-represented")},
		map[string]any{"train_images": len(ds.Train), "test_images": len(ds.Test), "images_per_class": counts}))
	if err := p.putJSON(ctx, stateKey(r.proj.ID, dataKey), ds); err != nil {
		return nil, err
	}
	out.message = fmt.Sprintf("images ready: %d train and %d test images", len(ds.Train), len(ds.Test))
	out.logs = append(out.logs, out.message)
	return out, nil
}

// imageSelectStage is MODEL_SELECTION for images: both image learners, a budget from the
// number of images (or the owner's), and the approval decision.
func (p *Pipeline) imageSelectStage(ctx context.Context, r *run) (*outcome, error) {
	an, err := p.loadAnalysis(ctx, r)
	if err != nil {
		return nil, err
	}
	var ds dataState
	if err := p.getJSON(ctx, stateKey(r.proj.ID, dataKey), &ds); err != nil {
		return nil, err
	}
	out := &outcome{}
	fams := []string{familyPixels, familyCNN}
	out.decide(p.ruled(typeModelFamily, "search "+strings.Join(fams, ", "),
		"Softmax regression on downscaled pixels is fast and a floor to beat; a small convolutional network (two 3x3 convolution blocks, a hidden layer) learns shapes and usually wins when the budget allows several epochs. Both train under one budget and the better on held-out training images is kept.",
		[]decision.Alternative{alt(familyCNN, 0.9, "learns local shapes"), alt(familyPixels, 0.7, "fast floor"), alt("tabular learners on pixels", 0.2, "ignore the image's layout")},
		map[string]any{"train_images": len(ds.Train), "task": ds.Task}))
	budget := time.Duration(r.proj.BudgetSeconds) * time.Second
	note := "set by the owner"
	if budget <= 0 {
		budget = p.opts.MinBudget + time.Duration(float64(len(ds.Train))*secondsPerImage*float64(time.Second))
		note = fmt.Sprintf("%.0f ms per training image on top of the minimum", 1000*secondsPerImage)
	}
	budget = min(max(budget.Round(time.Second), time.Second), p.opts.MaxBudget)
	out.decide(p.ruled(typeBudget, fmt.Sprintf("train for %s (%s)", budget, note),
		"The network plans its epochs after the first one to fit the budget; the baseline takes a few seconds of it.",
		[]decision.Alternative{alt("budget "+budget.String(), 0.8, note)}, map[string]any{"train_images": len(ds.Train), "budget_seconds": budget.Seconds()}))
	plan := &trainyardv1.TrainingPlan{}
	_ = fromProtoJSON(r.proj.Plan, plan)
	plan.TargetColumn = ds.Target
	plan.ProblemType = problemTypeProto(ds.Task)
	plan.Metric = an.SearchMetric
	plan.ModelFamilies = fams
	plan.Budget = durationpb.New(budget)
	plan.Trainer = "local"
	plan.Reasoning = fmt.Sprintf("Classify images into %s, optimizing accuracy; train %s for %s.", ds.Target, strings.Join(fams, " and "), budget)
	return p.commitPlan(r, out, plan, budget, an.Confidence), nil
}
