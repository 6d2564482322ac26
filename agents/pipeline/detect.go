package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trainyard/trainyard/agents/analyze"
	"github.com/trainyard/trainyard/agents/decision"
	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/image"
)

// DetectionTrainer is a Trainer whose backend trains object detectors (Vertex AI AutoML image
// object detection). Object detection is offered by such a backend only: the embedded engine
// classifies whole images.
type DetectionTrainer interface {
	EndpointDeployer
	// TrainDetector trains a detector on the images' boxes and deploys it on an endpoint; it
	// returns the endpoint and the evaluation metrics the backend reports (by its names). On
	// failure it leaves nothing behind. job.Attempt (1 to 3) adjusts the parameters.
	TrainDetector(ctx context.Context, job DetectionJob) (*Endpoint, map[string]float64, error)
}

// DetectionJob is one object detector training.
type DetectionJob struct {
	// ProjectID names the project.
	ProjectID string
	// Images are the images with their boxes (images without boxes are left out).
	Images []image.Example
	// Budget is the training budget (the backend converts it to node hours).
	Budget time.Duration
	// Attempt is 1 to 3; later attempts adjust the parameters.
	Attempt int
}

// isDetectionProject reports whether ANALYZING made the project an object detection one: its
// stored analysis says so in its problem type (not in its reasoning or the owner's words).
func isDetectionProject(proj *ent.Project) bool {
	var an trainyardv1.ProblemAnalysis
	return fromProtoJSON(proj.Analysis, &an) == nil && an.GetProblemType() == trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION
}

// detectStageFunc returns the object detection track's agent of a stage: TRAINING trains and
// deploys on the backend, DEPLOYMENT records the model (nil: the stage does not occur).
func (p *Pipeline) detectStageFunc(s store.Stage) func(context.Context, *run) (*outcome, error) {
	switch s {
	case store.StageTraining:
		return p.detectTrainStage
	case store.StageDeployment:
		return p.detectDeployStage
	}
	return nil
}

// countBoxes counts the boxes of the images.
func countBoxes(ex []image.Example) int {
	n := 0
	for _, e := range ex {
		n += len(e.Boxes)
	}
	return n
}

// detectAnalyzeStage is ANALYZING for object detection data (an archive with a boxes CSV) or
// a description asking where objects are in the images. Only a DetectionTrainer trains
// detectors: on another backend the project fails here, saying which backend to use.
func (p *Pipeline) detectAnalyzeStage(ctx context.Context, r *run, ex []image.Example, boxes int) (*outcome, error) {
	if _, ok := p.trainer.(DetectionTrainer); !ok {
		return nil, userErrorf([]string{
			"Run the worker with the Vertex AI backend: --trainer-url vertex://projects/P/locations/L",
			"Or upload the images in one folder per class to classify whole images locally",
		}, "object detection (labeled boxes around objects in images) needs the Vertex AI backend (--trainer-url vertex://projects/P/locations/L); the %s trainer only classifies whole images", p.trainer.Name())
	}
	if boxes == 0 {
		return nil, userErrorf([]string{"Add a boxes CSV to the archive: path,label,xmin,ymin,xmax,ymax, one row per box, coordinates as fractions (0 to 1) of the image's width and height"},
			"the description asks where objects are in the images, but the archive holds no boxes CSV to learn them from")
	}
	counts := map[string]int{}
	boxed := 0
	for _, e := range ex {
		if len(e.Boxes) > 0 {
			boxed++
		}
		for _, b := range e.Boxes {
			counts[b.Label]++
		}
	}
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	an := &analyze.Analysis{
		ProblemType: analyze.ObjectDetection, TargetColumn: imageTarget, Domain: "images", Metrics: []string{detectMetric},
		SearchMetric: detectMetric, DataType: "image", Confidence: 0.9, Complexity: 0.7,
		Reasoning: fmt.Sprintf("An archive of %d images, %d of them with %d labeled boxes of %d kinds: find the objects (label and box) in an image.", len(ex), boxed, boxes, len(labels)),
	}
	ev := map[string]any{"images": len(ex), "images_with_boxes": boxed, "boxes": boxes, "boxes_per_label": counts, "trainer": p.trainer.Name()}
	an.Decisions = []decision.Decision{
		p.decided(decision.ProblemType, fmt.Sprintf("image object detection of %d labels: %s", len(labels), strings.Join(labels[:min(10, len(labels))], ", ")),
			"The archive's boxes CSV gives labeled boxes around objects (several per image), so the model must find objects and their boxes, not classify whole images. The backend trains AutoML image object detection; it splits the images into training, validation and test sets itself and reports mean average precision on its test images.",
			[]decision.Alternative{alt("object detection", 0.9, "labeled boxes per image"), alt("classify whole images", 0.1, "would drop the boxes")}, ev, an.Confidence),
	}
	if err := p.putJSON(ctx, stateKey(r.proj.ID, analysisKey), an); err != nil {
		return nil, err
	}
	out := &outcome{next: store.StageTraining, message: fmt.Sprintf("analysis done: image object detection, %d labels", len(labels))}
	out.changes.Analysis = protoJSON(analysisProto(an))
	one := 1
	out.changes.Iteration = &one
	out.decisions = append(out.decisions, an.Decisions...)
	return out, nil
}
