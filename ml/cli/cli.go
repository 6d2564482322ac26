// Package cli is the offline command line of the learning engine:
//
//	trainyard ml train   --data F --target C [--task auto|binary|multiclass|regression]
//	                     [--learner auto|gbdt|linear|forest|text] [--params k=v,...]
//	                     [--budget 60s] [--seed N] [--trials N] --out MODEL
//	trainyard ml train   --data IMAGES.zip [--budget 60s] [--seed N] --out MODEL
//	trainyard ml predict --model MODEL --data F|IMAGES.zip [--out PREDS.csv]
//
// A zip of class folders trains an image classifier (the folder is the
// label); predicting a zip writes one row per image in archive order.
//
//	trainyard ml export  --model MODEL --format onnx --out F
//	trainyard ml profile --data F [--target C]
//	trainyard ml cluster --data F [--k N|auto] [--drop C,...] --out CLUSTERS.csv
//
// Cluster writes one cluster id per input row, in order, and prints each
// cluster's size with its top terms (text columns) or most distinctive
// feature ranges (numeric columns).
//
// It is what the benchmarks and end-to-end tests drive, and it needs nothing
// but the binary: no server, no database.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// UsageError is a mistake in the command line; the binary exits with 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// IO is where a command reads and writes.
type IO struct {
	Stdout, Stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, io IO, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"train":   {"train a model on a CSV/TSV file under a time budget", runTrain},
		"predict": {"predict every row of a CSV/TSV file with a model", runPredict},
		"export":  {"export a model to ONNX", runExport},
		"profile": {"profile the columns of a CSV/TSV file (JSON)", runProfile},
		"cluster": {"group the rows of a CSV/TSV file without labels (k-means), with a summary", runCluster},
	}
}

// Run runs `trainyard ml` with the arguments after "ml".
func Run(ctx context.Context, io IO, args []string) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.Stderr, cmds)
		if len(args) == 0 {
			return usagef("missing subcommand")
		}
		return flag.ErrHelp
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(io.Stderr, cmds)
		return usagef("unknown subcommand %q", args[0])
	}
	return c.run(ctx, io, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: trainyard ml <command> [flags]\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
}

// parse parses flags that may follow positional arguments, and reports
// missing required flags.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return UsageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	var missing []string
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	return nil
}
