package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/metrics"
)

// imageTrainState is the image track's training record: the trainState every stage reads, and
// the training images the trainer held out to choose its learner (image.Classifier.HeldOut), as
// rows of the uploaded images, which EVALUATION calibrates the kept model's probabilities on.
// The pipeline keeps them here rather than in the model artifact, which does not carry the
// images they index; a record written before they were kept has none.
type imageTrainState struct {
	trainState
	HeldOut []int `json:"held_out,omitempty"`
}

// imageValidation returns the predictions of classifier c, kept with validation accuracy acc,
// of held, the images its trainer held out. It fails when c does not score acc on them (they
// are not the images it chose its learner on), rather than calibrate on images the classifier
// may have learned from.
func imageValidation(ctx context.Context, task string, c *image.Classifier, held []image.Example, acc float64) (*scored, error) {
	val, err := imageScores(ctx, task, c, held)
	if err != nil {
		return nil, fmt.Errorf("predict validation images: %w", err)
	}
	got, err := metrics.Accuracy(val.y, val.predicted())
	if err != nil {
		return nil, fmt.Errorf("score validation images: %w", err)
	}
	if math.Abs(got-acc) > 1e-9 {
		return nil, fmt.Errorf("the recorded held-out training images are not the model's: accuracy %.4f on them, the trainer recorded %.4f", got, acc)
	}
	return val, nil
}

// imageScores predicts the images ex with classifier c, in chunks that keep the decoded
// tensors small, as scored predictions of a task; images of a class c does not know are left
// out, as they cannot be scored.
func imageScores(ctx context.Context, task string, c *image.Classifier, ex []image.Example) (*scored, error) {
	k := len(c.Classes)
	s := &scored{task: task, classes: c.Classes, width: k, threshold: 0.5, pos: 1}
	const chunk = 256
	for lo := 0; lo < len(ex); lo += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := ex[lo:min(lo+chunk, len(ex))]
		pr, err := c.PredictProba(part)
		if err != nil {
			return nil, err
		}
		for i, e := range part {
			y := slices.Index(c.Classes, e.Label)
			if y < 0 {
				continue
			}
			s.y = append(s.y, float64(y))
			s.proba = append(s.proba, pr[i]...)
		}
	}
	return s, nil
}
