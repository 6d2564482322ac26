package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// runPredict implements `trainyard predict`: score the rows of a CSV or JSON file (or stdin),
// or for an image model a picture or a folder of them, with a deployed model and print them
// with their predictions (a table, --out CSV, or the PredictResponse with --output json); an
// object detector's prediction is the objects it found in the picture, boxes in its pixels.
func runPredict(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "predict", "MODEL --input rows.csv|rows.json|-|photo.png|photos/ [--out preds.csv] [--explain] [--output json]")
	input := v.fs.String("input", "", "what to score: a CSV with a header line, a JSON array of objects, or - for stdin; "+
		"for an image model also a picture (png, jpg, jpeg, gif, webp) or a folder of them")
	out := v.fs.String("out", "", "write the rows with their predictions to this CSV file (for an object detector, a line per object found)")
	explain := v.fs.Bool("explain", false, "also return each row's top feature contributions")
	pos, err := v.parse(args, 1)
	if err != nil {
		return err
	}
	if *input == "" {
		return usageError{fmt.Errorf("--input is required: usage: trainyard %s", v.usage)}
	}
	c, err := v.dial()
	if err != nil {
		return err
	}
	m, err := c.Models.GetModel(ctx, &trainyardv1.GetModelRequest{Name: client.ModelName(pos[0])})
	if err != nil {
		return c.Explain(err)
	}
	rows, dir, err := readInput(e.stderr, *input, m)
	if err != nil {
		return err
	}
	in, err := client.Instances(rows, m.GetFeatures(), dir)
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	res, err := c.Predict(ctx, client.ModelName(pos[0]), in, *explain)
	if err != nil {
		return c.Explain(err)
	}
	rep := reportFor(m, rows, in, res.GetPredictions())
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := rep.csv(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if !v.json() {
			fmt.Fprintf(e.stderr, "Wrote %d predictions to %s\n", len(res.GetPredictions()), *out)
		}
	}
	if v.json() {
		return writeProto(e.stdout, res)
	}
	if *out != "" {
		return nil
	}
	return printPredictions(e.stdout, res.GetPredictions(), in.Pictures, rep.answer)
}

// predictionReport shows a model's predictions: as CSV for --out, and as one answer per row
// (head, on the row's line, and lines below it) for the terminal.
type predictionReport struct {
	csv    func(w io.Writer) error
	answer func(i int, p *trainyardv1.Prediction) (head string, below []string)
}

// reportFor returns the report of the predictions preds of m for rows: the objects found in
// each picture for an object detector, with boxes in the pixels of the picture files, and the
// answer with its probability otherwise.
func reportFor(m *trainyardv1.Model, rows client.Rows, in client.Inputs, preds []*trainyardv1.Prediction) predictionReport {
	if m.GetProblemType() == trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION {
		return predictionReport{
			csv:    func(w io.Writer) error { return client.WriteDetections(w, rows, preds, in.Pictures) },
			answer: func(i int, p *trainyardv1.Prediction) (string, []string) { return objectLines(p, in.Pictures[i].Dims) },
		}
	}
	classes := m.GetClasses()
	if len(classes) == 0 {
		classes = probabilityLabels(preds)
	}
	return predictionReport{
		csv:    func(w io.Writer) error { return client.WritePredictions(w, rows, preds, classes) },
		answer: func(_ int, p *trainyardv1.Prediction) (string, []string) { return answerText(p), nil },
	}
}

// readInput reads --input: for an image model a picture or a folder of them, otherwise rows
// of a CSV or JSON file or stdin. dir is the folder that picture paths in the rows are
// relative to: the file's own.
func readInput(stderr io.Writer, input string, m *trainyardv1.Model) (rows client.Rows, dir string, err error) {
	if input != "-" && client.IsPictures(input) {
		col := client.ImageColumn(m.GetFeatures())
		if col == "" {
			takes := "model " + m.GetId() + " takes rows"
			if cols := featureNames(m); cols != "" {
				takes += " with the columns " + cols
			}
			return client.Rows{}, "", fmt.Errorf("%s is a picture or a folder, but %s: give --input a CSV or JSON file", input, takes)
		}
		rows, skipped, err := client.ReadPictures(input, col)
		switch n := len(skipped); {
		case n == 1:
			fmt.Fprintf(stderr, "Skipped %s in %s: not a picture\n", skipped[0], input)
		case n > 1:
			fmt.Fprintf(stderr, "Skipped %d entries of %s that are not pictures: %s\n", n, input, listed(skipped, 10))
		}
		return rows, "", err
	}
	var r io.Reader = os.Stdin
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return client.Rows{}, "", err
		}
		defer f.Close()
		r, dir = f, filepath.Dir(input)
	}
	if rows, err = client.ReadRows(r, strings.HasSuffix(strings.ToLower(input), ".json")); err != nil {
		return client.Rows{}, "", fmt.Errorf("%s: %w", input, err)
	}
	return rows, dir, nil
}

// probabilityLabels returns the sorted class labels the predictions give probabilities for,
// for a model whose metadata lists no classes.
func probabilityLabels(preds []*trainyardv1.Prediction) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range preds {
		for c := range p.GetProbabilities() {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// printPredictions writes one line per row: its number, its picture file when it has one,
// the answer's head and any warning, then the lines of the answer below it, or the row's error.
func printPredictions(w io.Writer, preds []*trainyardv1.Prediction, pictures []client.Picture, answer func(int, *trainyardv1.Prediction) (string, []string)) error {
	failed := 0
	for i, p := range preds {
		line := fmt.Sprintf("%4d  ", i+1)
		if i < len(pictures) && pictures[i].Path != "" {
			line += pictures[i].Path + "  "
		}
		if p.GetError() != "" {
			failed++
			fmt.Fprintf(w, "%serror: %s\n", line, p.GetError())
			continue
		}
		head, below := answer(i, p)
		line += head
		for _, wn := range p.GetWarnings() {
			line += "  note: " + wn
		}
		fmt.Fprintln(w, line)
		for _, b := range below {
			fmt.Fprintln(w, b)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rows could not be scored", failed, len(preds))
	}
	return nil
}

// answerText is a label or value with the probability of the predicted class, if given.
func answerText(p *trainyardv1.Prediction) string {
	ans := client.PredictionText(p)
	if pr, ok := p.GetProbabilities()[ans]; ok {
		ans += fmt.Sprintf("  (p=%.3f)", pr)
	}
	return ans
}
