package main

import (
	"context"
	"errors"

	"github.com/trainyard/trainyard/ml/cli"
)

// runML runs `trainyard ml ...`, the offline learning-engine CLI.
func runML(ctx context.Context, e env, args []string) error {
	err := cli.Run(ctx, cli.IO{Stdout: e.stdout, Stderr: e.stderr}, args)
	var ue cli.UsageError
	if errors.As(err, &ue) {
		return usageError{ue.Err}
	}
	return err
}
