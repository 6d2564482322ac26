package cli

import (
	"context"
	"encoding/json"
	"flag"

	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

func runProfile(ctx context.Context, io IO, args []string) error {
	fs := flag.NewFlagSet("ml profile", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	data := fs.String("data", "", "a CSV or TSV file with a header row")
	target := fs.String("target", "", "the column to predict, for leak and class-balance checks")
	if err := parse(fs, args, "data"); err != nil {
		return err
	}
	f, err := frame.ReadFile(ctx, *data, frame.ReadOptions{})
	if err != nil {
		return err
	}
	p, err := profile.Compute(ctx, f, profile.Options{Target: *target})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(io.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
