package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/trainyard/trainyard/ml/image"
)

// imageValidation returns the predictions of classifier c, kept with validation accuracy acc,
// of the training images train it held out while training. It fails when they are not the
// images the classifier chose its learner on (their accuracy is not acc), rather than
// calibrate on images the classifier learned from.
func imageValidation(ctx context.Context, task string, c *image.Classifier, train []image.Example, seed uint64, acc float64) (*scored, error) {
	held, _ := image.ClassifierParams{Seed: seed}.HeldOut(len(train), len(c.Classes))
	val, err := imageScores(ctx, task, c, pick(train, held))
	if err != nil {
		return nil, fmt.Errorf("predict validation images: %w", err)
	}
	right := 0
	for i, y := range val.y {
		if float64(val.classOf(i)) == y {
			right++
		}
	}
	if got := float64(right) / float64(max(1, len(val.y))); math.Abs(got-acc) > 1e-9 {
		return nil, fmt.Errorf("the held-out training images could not be found again: accuracy %.4f on them, the trainer recorded %.4f", got, acc)
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
