package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/trainyard/trainyard/ml/automl"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
	"github.com/trainyard/trainyard/ml/train"
)

func runTrain(ctx context.Context, io IO, args []string) error {
	start := time.Now() // the budget covers everything from here to the file written
	fs := flag.NewFlagSet("ml train", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	data := fs.String("data", "", "training data: a CSV or TSV file with a header row, or a zip of class folders of images")
	target := fs.String("target", "", "the column to predict (not for a zip of images: the folder is the label)")
	task := fs.String("task", "auto", "auto, binary, multiclass or regression")
	learner := fs.String("learner", "auto", "auto (search every family), gbdt, linear, forest or text")
	params := fs.String("params", "", "k=v,... learner parameters (LightGBM names for gbdt): one exact fit, no search")
	budget := fs.Duration("budget", 60*time.Second, "wall-clock budget from start to the model written")
	seed := fs.Uint64("seed", 0, "seed of every random choice")
	trials := fs.Int("trials", 0, "replay a search of exactly this many trials (ignores --budget)")
	metric := fs.String("metric", "", "metric to optimize (default: logloss for classifiers, rmse for regression)")
	out := fs.String("out", "", "where to write the model")
	quiet := fs.Bool("quiet", false, "do not print trials")
	if err := parse(fs, args, "data", "out"); err != nil {
		return err
	}
	if isZip(*data) {
		if *target != "" {
			return usagef("--target does not apply to a zip of images: the folder of each image is its label")
		}
		return trainImages(ctx, io, *data, *out, *budget, *seed, start)
	}
	if *target == "" {
		return usagef("missing --target")
	}
	opts := train.Options{Target: *target, Seed: *seed, Trials: *trials, Metric: *metric}
	switch *task {
	case "auto":
	case "binary", "multiclass", "regression":
		opts.Task = profile.Task(*task)
	default:
		return usagef("--task %q: want auto, binary, multiclass or regression", *task)
	}
	switch *learner {
	case "auto":
	case automl.GBDT, automl.Linear, automl.Forest, automl.Text:
		opts.Learners = []string{*learner}
	default:
		return usagef("--learner %q: want auto, gbdt, linear, forest or text", *learner)
	}
	if *params != "" {
		if *learner == "auto" {
			return usagef("--params needs --learner")
		}
		m, err := parseParams(*params)
		if err != nil {
			return err
		}
		opts.Params = m
	}
	if *trials == 0 {
		if *budget <= 0 {
			return usagef("--budget must be positive")
		}
		opts.Deadline = start.Add(*budget)
	}
	if !*quiet {
		opts.OnTrial = func(t automl.Trial) {
			fmt.Fprintf(io.Stderr, "trial %3d  %-6s %-8s %6.2fs  %s  %s\n", t.Number, t.Learner, t.Status, t.Seconds, t.MetricsText(), t.Candidate)
		}
	}
	f, err := frame.ReadFile(ctx, *data, frame.ReadOptions{})
	if err != nil {
		return err
	}
	res, err := train.Train(ctx, f, opts)
	if err != nil {
		return err
	}
	if err := res.Artifact.SaveFile(*out); err != nil {
		return err
	}
	s := res.Search
	for _, d := range res.Dropped {
		fmt.Fprintf(io.Stderr, "dropped %q: %s\n", d.Column, d.Reason)
	}
	var members []string
	for _, m := range res.Artifact.Members {
		members = append(members, fmt.Sprintf("%s (weight %.2f)", m.Learner, m.Weight))
	}
	fmt.Fprintf(io.Stderr, "%s %s; %d trials, %s; validation %s %.5g; %s in %.1fs\n",
		res.Label.Task, res.Label.Column, s.Finished, s.Validation, s.Metric.Name, s.Score,
		strings.Join(members, " + "), time.Since(start).Seconds())
	fmt.Fprintf(io.Stdout, "%s\n", *out)
	return nil
}

// parseParams reads "k=v,k=v".
func parseParams(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, usagef("--params: %q is not k=v", kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}
