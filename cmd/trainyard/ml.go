package main

import (
	"context"
	"errors"

	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/ml/cli"
)

// runML runs `trainyard ml ...`: the offline learning-engine CLI, plus the two entry points
// the worker image runs on Vertex AI (`ml vertex-job` for a training job, `ml vertex-serve`
// for a prediction container).
func runML(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "vertex-job":
			return vertextrainer.Main(ctx, args[1:], e.stderr)
		case "vertex-serve":
			getenv := func(k string) string { v, _ := e.lookup(k); return v }
			return vertextrainer.ServeMain(ctx, args[1:], getenv, e.stderr)
		}
	}
	err := cli.Run(ctx, cli.IO{Stdout: e.stdout, Stderr: e.stderr}, args)
	var ue cli.UsageError
	if errors.As(err, &ue) {
		return usageError{ue.Err}
	}
	return err
}
