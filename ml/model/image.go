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

// ImageInput is the name of an image model's one input in rows and requests.
const ImageInput = "image"

// NewImagePredictor returns a predictor of an image artifact for callers that read Task,
// Classes and Artifact from it; an image is predicted with PredictImage, not PredictMap.
func NewImagePredictor(a *Artifact) (*Predictor, error) {
	if a.Image == nil {
		return nil, fmt.Errorf("image predictor: the artifact is not an image model")
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("image predictor: %w", err)
	}
	return &Predictor{a: a, width: len(a.Classes)}, nil
}

// PredictImage classifies one encoded image (PNG, JPEG, GIF or WebP bytes; the format is
// sniffed) into dst, as PredictMap does for a row: class probabilities in Classes order
// (calibrated when the model has a Calibration) and the label ClassOf chooses.
func (a *Artifact) PredictImage(b []byte, dst *Prediction) error {
	if a.Image == nil {
		return ErrNotImageModel
	}
	if len(b) == 0 {
		return fmt.Errorf("no image: send the image's bytes (PNG, JPEG, GIF or WebP)")
	}
	probs, classes, err := a.PredictImages([]image.Example{{Name: "image", Data: b}})
	if err != nil {
		return err
	}
	dst.Probabilities = append(dst.Probabilities[:0], probs[0]...)
	dst.Class = classes[0]
	dst.Label = a.Classes[dst.Class]
	dst.Value = 0
	return nil
}

// PredictImages classifies encoded images as PredictImage does one, through the network in
// one batch: per image its class probabilities in Classes order (calibrated when the model has
// a Calibration) and the class ClassOf chooses.
func (a *Artifact) PredictImages(ex []image.Example) (probs [][]float64, classes []int, err error) {
	if a.Image == nil {
		return nil, nil, ErrNotImageModel
	}
	if probs, err = a.Image.PredictProba(ex); err != nil {
		return nil, nil, err
	}
	classes = make([]int, len(probs))
	for i, p := range probs {
		classes[i] = a.settle(p)
	}
	return probs, classes, nil
}

// ErrNotImageModel is returned where an image is given to a model of rows.
var ErrNotImageModel = errors.New("the model predicts rows, not images")
