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
	v := newClientVerb(e, "models get", "MODEL [--output json]")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	m, err := c.Models.GetModel(ctx, &trainyardv1.GetModelRequest{Name: client.ModelName(pos[0])})
	return v.reply(m, err, func() {
		printModel(e.stdout, m)
		fmt.Fprintf(e.stdout, "  project   %s\n  inputs    %s\n", m.GetProjectId(), featureNames(m))
		if m.GetApiEndpoint() != "" {
			fmt.Fprintf(e.stdout, "  endpoint  %s\n", m.GetApiEndpoint())
		}
	})
}

func runModelsList(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "models list", "[--limit N] [--output json]")
	limit := v.fs.Int("limit", 50, "at most this many models")
	c, _, err := v.connect(args, 0)
	if err != nil {
		return err
	}
	res, err := c.Models.ListModels(ctx, &trainyardv1.ListModelsRequest{PageSize: int32(*limit)})
	return v.reply(res, err, func() {
		for _, m := range res.GetModels() {
			metric := ""
			if p := m.GetMetrics().GetPrimary(); p != nil && p.GetName() != "" {
				metric = fmt.Sprintf("%s=%.4f", p.GetName(), p.GetValue())
			}
			fmt.Fprintf(e.stdout, "%s  %-8s  %-16s  %s  %s\n", m.GetId(), m.GetArchitecture(), metric, m.GetTargetColumn(), m.GetDisplayName())
		}
	})
}

func runModelsDownload(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "models download", "MODEL [--format onnx|native] [--out PATH] [--output json]")
	format := v.fs.String("format", "onnx", "onnx or native")
	out := v.fs.String("out", ".", "file or folder to write (a folder takes the server's file name)")
	pos, err := v.parse(args, 1)
	if err != nil {
		return err
	}
	f, err := client.ParseFormat(*format)
	if err != nil {
		return usageError{err}
	}
	c, err := v.dial()
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
	if v.json() {
		return writeJSON(e.stdout, map[string]any{"path": path, "sizeBytes": n, "format": *format, "modelId": pos[0]})
	}
	fmt.Fprintf(e.stdout, "Wrote %s (%s)\n", path, byteSize(n))
	return nil
}
