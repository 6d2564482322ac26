package model

import (
	"errors"
	"fmt"

	"github.com/trainyard/trainyard/ml/image"
)

// ErrImageModel is returned where a tabular predictor is asked of an image
// model; an image model predicts through Artifact.Image.
var ErrImageModel = errors.New("an image model predicts images, not rows (use its Image classifier)")

// NewImage wraps a trained image classifier in an artifact. It has no
// schema, pipelines or members: the classifier decodes and scales images
// itself. Task is Binary or Multiclass by the number of classes.
func NewImage(c *image.Classifier, tr Training) (*Artifact, error) {
	if c == nil {
		return nil, fmt.Errorf("new image model: no classifier")
	}
	a := &Artifact{
		Format: Format, Version: Version, MinReaderVersion: 1,
		Task: Multiclass, Target: "label", Classes: c.Classes, Image: c, Training: tr,
	}
	if len(c.Classes) == 2 {
		a.Task = Binary
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("new image model: %w", err)
	}
	return a, nil
}

// validateImage checks an image artifact: classes agree with the
// classifier, the network's parameters fit its architecture, and there are
// no tabular parts.
func (a *Artifact) validateImage() error {
	c := a.Image
	if len(a.Pipelines) > 0 || len(a.Members) > 0 {
		return fmt.Errorf("image model with tabular pipelines or members")
	}
	if len(c.Classes) != len(a.Classes) {
		return fmt.Errorf("image classifier has %d classes, artifact %d", len(c.Classes), len(a.Classes))
	}
	for i := range c.Classes {
		if c.Classes[i] != a.Classes[i] {
			return fmt.Errorf("image classifier class %d is %q, artifact says %q", i, c.Classes[i], a.Classes[i])
		}
	}
	return c.Validate()
}
