package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// runPredict implements `trainyard predict`: score the rows of a CSV or JSON file (or stdin)
// with a deployed model and print them with their predictions (a table, --out CSV, or the
// PredictResponse with --output json).
func runPredict(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "predict", "MODEL --input rows.csv|rows.json|- [--out preds.csv] [--explain] [--output json]")
	input := v.fs.String("input", "", "rows to score: a CSV with a header line, a JSON array of objects, or - for stdin")
	out := v.fs.String("out", "", "write the rows with their predictions to this CSV file")
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
	var r io.Reader = os.Stdin
	if *input != "-" {
		f, err := os.Open(*input)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	rows, err := client.ReadRows(r, strings.HasSuffix(strings.ToLower(*input), ".json"))
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	m, err := c.Models.GetModel(ctx, &trainyardv1.GetModelRequest{Name: client.ModelName(pos[0])})
	if err != nil {
		return c.Explain(err)
	}
	inst, err := client.Instances(rows, m.GetFeatures())
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	res, err := c.Predictions.Predict(ctx, &trainyardv1.PredictRequest{Name: client.ModelName(pos[0]), Instances: inst, Explain: *explain})
	if err != nil {
		return c.Explain(err)
	}
	classes := m.GetClasses()
	if len(classes) == 0 {
		classes = probabilityLabels(res.GetPredictions())
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := client.WritePredictions(f, rows, res.GetPredictions(), classes); err != nil {
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
	return printPredictions(e.stdout, res.GetPredictions())
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

// printPredictions writes one line per row: its number, the prediction, the probability of the
// predicted class, and any error or warning.
func printPredictions(w io.Writer, preds []*trainyardv1.Prediction) error {
	failed := 0
	for i, p := range preds {
		if p.GetError() != "" {
			failed++
			fmt.Fprintf(w, "%4d  error: %s\n", i+1, p.GetError())
			continue
		}
		ans := client.PredictionText(p)
		line := fmt.Sprintf("%4d  %s", i+1, ans)
		if pr, ok := p.GetProbabilities()[ans]; ok {
			line += fmt.Sprintf("  (p=%.3f)", pr)
		}
		for _, wn := range p.GetWarnings() {
			line += "  note: " + wn
		}
		fmt.Fprintln(w, line)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rows could not be scored", failed, len(preds))
	}
	return nil
}
