package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/trainyard/trainyard/ml/image"
	"github.com/trainyard/trainyard/ml/model"
)

// isZip reports whether the file at path starts like a zip archive (or is
// named .zip).
func isZip(path string) bool {
	if strings.EqualFold(strings.TrimSpace(path[max(0, len(path)-4):]), ".zip") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := f.Read(head[:])
	return n == 4 && string(head[:]) == "PK\x03\x04"
}

// trainImages trains an image classifier on a zip of class folders and
// writes it as a model artifact.
func trainImages(ctx context.Context, io IO, data, out string, budget time.Duration, seed uint64, start time.Time) error {
	ex, err := image.ReadZipFile(data)
	if err != nil {
		return err
	}
	// Decoding and writing take part of the budget; the learners get what
	// is left, less a margin for saving.
	left := budget - time.Since(start) - budget/20
	c, err := image.FitClassifier(ctx, ex, image.ClassifierParams{Budget: left, Seed: seed})
	if err != nil {
		return err
	}
	for _, cand := range c.Candidates {
		fmt.Fprintf(io.Stderr, "candidate %-16s validation accuracy %.4f  %6.2fs  %d epochs\n", cand.Learner, cand.ValidationAccuracy, cand.Duration.Seconds(), cand.Epochs)
	}
	best := 0.0
	for _, cand := range c.Candidates {
		if cand.Learner == c.Learner {
			best = cand.ValidationAccuracy
		}
	}
	a, err := model.NewImage(c, model.Training{
		CreatedAt: time.Now().UTC(), Rows: len(ex), Seed: seed, Metric: "accuracy", Validation: "10% holdout",
		Seconds: time.Since(start).Seconds(),
		Notes:   []string{fmt.Sprintf("images scaled to %dx%d, %d channel(s); chose %s", c.Shape.Width, c.Shape.Height, c.Shape.Channels, c.Learner)},
	})
	if err != nil {
		return err
	}
	a.Metrics = map[string]float64{"accuracy": best}
	if err := a.SaveFile(out); err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "%s images, %d classes; %s, validation accuracy %.4f; %.1fs\n", a.Task, len(c.Classes), c.Learner, best, time.Since(start).Seconds())
	fmt.Fprintf(io.Stdout, "%s\n", out)
	return nil
}

// predictImages writes one row per image of the zip, in archive order:
// "image", "prediction", then "proba_<class>" per class.
func predictImages(ctx context.Context, io IO, a *model.Artifact, data, out string) error {
	if !isZip(data) {
		return usagef("--data: an image model predicts a zip of images")
	}
	ex, err := image.ReadZipFile(data)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	probs, classes, err := a.PredictImages(ex)
	if err != nil {
		return err
	}
	var w *bufio.Writer
	if out == "" {
		w = bufio.NewWriter(io.Stdout)
	} else {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = bufio.NewWriter(f)
	}
	cw := csv.NewWriter(w)
	head := []string{"image", "prediction"}
	for _, c := range a.Classes {
		head = append(head, "proba_"+c)
	}
	cw.Write(head)
	for i, p := range probs {
		row := []string{ex[i].Name, a.Classes[classes[i]]}
		for _, v := range p {
			row = append(row, formatFloat(v))
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return w.Flush()
}
