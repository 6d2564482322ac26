package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/trainyard/trainyard/ml/model"
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
	a, err := model.LoadFile(*modelPath)
	if err != nil {
		return err
	}
	b, err := a.ONNX(model.ONNXOptions{})
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "wrote %s (%d bytes, ONNX IR 8, opset 17, ai.onnx.ml 3)\n", *out, len(b))
	return nil
}
