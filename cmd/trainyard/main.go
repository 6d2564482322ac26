// Command trainyard is Trainyard's single binary: `trainyard serve` runs the whole platform on
// one port, `trainyard admin create-key` manages keys offline, and later subcommands (the CLI
// verbs, `trainyard worker`, `trainyard ml`) hang off the same table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// env is what a subcommand may touch of the process: its streams and its environment. Tests
// run subcommands with their own.
type env struct {
	stdout, stderr io.Writer
	// lookup reads an environment variable (os.LookupEnv in the binary).
	lookup func(string) (string, bool)
}

// command is one subcommand.
type command struct {
	// summary is the one-line help.
	summary string
	// run runs the subcommand with the arguments after its name.
	run func(ctx context.Context, e env, args []string) error
}

// commands lists the subcommands. New verbs (login, train, predict, projects, worker, ml) are
// one entry each, with their code in their own file.
func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the API server, the web app and the embedded backends on one port", runServe},
		"admin":    {"administer users and keys offline (admin create-key)", runAdmin},
		"ml":       {"the offline learning-engine CLI", runML},
		"worker":   {"run only the agent workers, against the same store, blob and queue URLs as serve", runWorker},
		"login":    {"check a server URL and API key and save them for the CLI and the SDKs", runLogin},
		"train":    {"upload data, start a project and follow it live to a deployed model", runTrain},
		"predict":  {"score rows from a CSV or JSON file with a deployed model", runPredict},
		"projects": {"list, get, watch, approve, cancel projects and read their logs", runProjects},
		"models":   {"get, list and download trained models (ONNX or native)", runModels},
	}
}

func main() {
	e := env{stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv}
	os.Exit(run(context.Background(), e, os.Args[1:]))
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, e env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "trainyard: unknown command %q\n\n", args[0])
		usage(e.stderr, cmds)
		return 2
	}
	if err := c.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(e.stderr, "trainyard %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(e.stderr, "trainyard %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// usageError is a mistake in the command line (exit code 2).
type usageError struct{ error }

// usage prints the list of subcommands.
func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Usage: trainyard <command> [flags]\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun `trainyard <command> -h` for a command's flags. Every flag can also be set with a\nTRAINYARD_* environment variable (--database-url is TRAINYARD_DATABASE_URL).\n")
	io.WriteString(w, b.String())
}
