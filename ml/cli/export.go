package cli

import (
	"context"
	"errors"
	"flag"
)

func runExport(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("ml export", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	modelPath := fs.String("model", "", "a model written by `trainyard ml train`")
	format := fs.String("format", "onnx", "the export format: onnx")
	out := fs.String("out", "", "where to write the export")
	if err := parse(fs, args, "model", "out"); err != nil {
		return err
	}
	if *format != "onnx" {
		return usagef("--format %q: only onnx is supported", *format)
	}
	_, _ = modelPath, out
	return errors.New("ONNX export of a whole model is not wired yet")
}
