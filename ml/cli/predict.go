package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/model"
)

// predictChunk is how many rows are read, predicted and written at a time, so
// a file of any size streams through a bounded amount of memory.
const predictChunk = 8192

func runPredict(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("ml predict", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	modelPath := fs.String("model", "", "a model written by `trainyard ml train`")
	data := fs.String("data", "", "rows to predict: a CSV or TSV file with a header row, or a zip of images for an image model")
	out := fs.String("out", "", "where to write the predictions (default: standard output)")
	if err := parse(fs, args, "model", "data"); err != nil {
		return err
	}
	a, err := model.LoadFile(*modelPath)
	if err != nil {
		return err
	}
	if a.Image != nil {
		return predictImages(ctx, io, a, *data, *out)
	}
	p, err := model.NewPredictor(a)
	if err != nil {
		return err
	}
	in, err := frame.OpenRecords(*data, frame.ReadOptions{})
	if err != nil {
		if errors.Is(err, frame.ErrEmpty) {
			return errors.New("the data file is empty: it needs a header row")
		}
		return err
	}
	defer in.Close()
	var w *bufio.Writer
	var file *os.File
	if *out == "" {
		w = bufio.NewWriter(io.Stdout)
	} else {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = bufio.NewWriter(file)
	}
	n, failed, err := predictStream(ctx, p, in, w, io.Stderr)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d rows could not be predicted (their outputs are empty; reasons above)", failed, n)
	}
	return nil
}

// predictStream predicts every record of in and writes one output row per
// input row, in input order: "prediction", then "proba_<class>" per class for
// classifiers. It returns the row count and how many rows failed.
func predictStream(ctx context.Context, p *model.Predictor, in *frame.Records, w io.Writer, errw io.Writer) (rows, failed int, err error) {
	rec, err := p.Bind(in.Header())
	if err != nil {
		return 0, 0, err
	}
	cw := csv.NewWriter(w)
	classes := p.Classes()
	out := []string{"prediction"}
	for _, c := range classes {
		out = append(out, "proba_"+c)
	}
	if err := cw.Write(out); err != nil {
		return 0, 0, err
	}
	chunk := make([][]string, 0, predictChunk)
	flush := func() error {
		b, err := rec.PredictBatch(ctx, chunk)
		if err != nil {
			return err
		}
		for _, e := range b.Errors {
			fmt.Fprintf(errw, "row %d: %v\n", rows+e.Row+1, e.Err)
		}
		failed += len(b.Errors)
		for i := 0; i < b.N; i++ {
			out = out[:0]
			switch {
			case b.Values != nil:
				out = append(out, formatFloat(b.Values[i]))
			case b.Class[i] < 0:
				out = append(out, "")
				for range classes {
					out = append(out, "")
				}
			default:
				out = append(out, p.Label(b, i))
				for _, v := range b.Probabilities[i*b.Width : (i+1)*b.Width] {
					out = append(out, formatFloat(v))
				}
			}
			if err := cw.Write(out); err != nil {
				return err
			}
		}
		rows += b.N
		chunk = chunk[:0]
		return nil
	}
	for {
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rows, failed, fmt.Errorf("read data: %w", err)
		}
		chunk = append(chunk, r)
		if len(chunk) == predictChunk {
			if err := flush(); err != nil {
				return rows, failed, err
			}
		}
	}
	if len(chunk) > 0 {
		if err := flush(); err != nil {
			return rows, failed, err
		}
	}
	cw.Flush()
	return rows, failed, cw.Error()
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
