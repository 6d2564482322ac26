package main

import (
	"context"
	"errors"
)

// runML is the hook of `trainyard ml ...`, the offline learning-engine CLI. The ML engineers
// build it as a package with a Run(ctx, args) entry point; wire it here by calling that Run
// with args (and stdout/stderr if it takes them).
func runML(_ context.Context, _ env, _ []string) error {
	return errors.New("the learning-engine CLI is not part of this build yet")
}
