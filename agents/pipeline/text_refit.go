package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/model"
	"github.com/trainyard/trainyard/ml/prep"
	"github.com/trainyard/trainyard/ml/train"
)

// refitsText reports whether a refit includes a text member.
func refitsText(members []RefitMember) bool {
	for _, m := range members {
		if m.Learner == automl.Text {
			return true
		}
	}
	return false
}

// textRefitData adds the text encoding (TF-IDF of the text columns of the tree-mode
// preparation, stacked with d's linear encoding) to d and returns the text model to complete
// with each refit member's weights.
func textRefitData(ctx context.Context, d *automl.Data, trees *prep.Fitted) (*model.TextModel, error) {
	x, tm, err := train.TextEncoding(ctx, trees.X, d.Linear)
	if err != nil {
		return nil, fmt.Errorf("prepare text: %w", err)
	}
	if tm == nil {
		return nil, errors.New("no text column yields terms for the text learner")
	}
	d.Text = x
	return tm, nil
}

// textMember completes a refit text member: the text model with the member's weights, on the
// linear pipeline (linIdx) when the numeric columns are stacked after the text.
func textMember(mm *model.Member, m automl.Member, tm *model.TextModel, linIdx int) error {
	if tm == nil {
		return errors.New("search returned a text member without text data")
	}
	t := *tm
	t.Logistic = m.Text
	mm.Text = &t
	if t.Dense {
		if linIdx < 0 {
			return errors.New("text member stacks numeric columns but no linear pipeline was fit")
		}
		mm.Pipeline = linIdx
	}
	return nil
}
