package main

import (
	"context"
	"fmt"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// runModels implements `trainyard models get|list|download`.
func runModels(ctx context.Context, e env, args []string) error {
	return subcommand(ctx, e, "models", map[string]func(context.Context, env, []string) error{
		"get":      runModelsGet,
		"list":     runModelsList,
		"download": runModelsDownload,
	}, args)
}

func runModelsGet(ctx context.Context, e env, args []string) error {
	const usage = "models get MODEL [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "models get", usage)
	cf.register(fs)
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	m, err := c.Models.GetModel(ctx, &trainyardv1.GetModelRequest{Name: client.ModelName(pos[0])})
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, m)
	}
	printModel(e.stdout, m)
	fmt.Fprintf(e.stdout, "  project   %s\n  inputs    %s\n", m.GetProjectId(), featureNames(m))
	if m.GetApiEndpoint() != "" {
		fmt.Fprintf(e.stdout, "  endpoint  %s\n", m.GetApiEndpoint())
	}
	return nil
}

func runModelsList(ctx context.Context, e env, args []string) error {
	const usage = "models list [--limit N] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "models list", usage)
	cf.register(fs)
	limit := fs.Int("limit", 50, "at most this many models")
	if _, err := parseVerb(fs, args, 0, 0, usage); err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	res, err := c.Models.ListModels(ctx, &trainyardv1.ListModelsRequest{PageSize: int32(*limit)})
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, res)
	}
	for _, m := range res.GetModels() {
		metric := ""
		if p := m.GetMetrics().GetPrimary(); p != nil && p.GetName() != "" {
			metric = fmt.Sprintf("%s=%.4f", p.GetName(), p.GetValue())
		}
		fmt.Fprintf(e.stdout, "%s  %-8s  %-16s  %s  %s\n", m.GetId(), m.GetArchitecture(), metric, m.GetTargetColumn(), m.GetDisplayName())
	}
	return nil
}

func runModelsDownload(ctx context.Context, e env, args []string) error {
	const usage = "models download MODEL [--format onnx|native] [--out PATH] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "models download", usage)
	cf.register(fs)
	format := fs.String("format", "onnx", "onnx or native")
	out := fs.String("out", ".", "file or folder to write (a folder takes the server's file name)")
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	f, err := client.ParseFormat(*format)
	if err != nil {
		return usageError{err}
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, "Downloading "+pos[0])
	path, n, err := c.DownloadFile(ctx, pos[0], f, *out, bar.update)
	if err != nil {
		fmt.Fprintln(e.stderr)
		return err
	}
	bar.finish()
	if cf.json() {
		return writeJSON(e.stdout, map[string]any{"path": path, "sizeBytes": n, "format": *format, "modelId": pos[0]})
	}
	fmt.Fprintf(e.stdout, "Wrote %s (%s)\n", path, byteSize(n))
	return nil
}
