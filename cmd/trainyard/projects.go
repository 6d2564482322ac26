package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"google.golang.org/protobuf/types/known/durationpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// runProjects implements `trainyard projects list|get|watch|approve|cancel|logs`.
func runProjects(ctx context.Context, e env, args []string) error {
	return subcommand(ctx, e, "projects", map[string]func(context.Context, env, []string) error{
		"list":    runProjectsList,
		"get":     runProjectsGet,
		"watch":   runProjectsWatch,
		"approve": runProjectsApprove,
		"cancel":  runProjectsCancel,
		"logs":    runProjectsLogs,
	}, args)
}

func runProjectsList(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects list", "[--stage STAGE] [--search TEXT] [--limit N] [--output json]")
	stage := v.fs.String("stage", "", "only projects in this stage, e.g. training or completed")
	search := v.fs.String("search", "", "only projects whose title or description contains this text")
	limit := v.fs.Int("limit", 50, "at most this many projects")
	if _, err := v.parse(args, 0); err != nil {
		return err
	}
	req := &trainyardv1.ListProjectsRequest{PageSize: int32(*limit), Search: *search}
	if *stage != "" {
		s, ok := trainyardv1.PipelineStage_value["PIPELINE_STAGE_"+strings.ToUpper(strings.ReplaceAll(*stage, " ", "_"))]
		if !ok {
			return usageError{fmt.Errorf("--stage %q: want one of analyzing, data_processing, labeling, model_selection, awaiting_approval, training, evaluation, deployment, completed, failed, cancelled", *stage)}
		}
		req.Stage = trainyardv1.PipelineStage(s)
	}
	c, err := v.dial()
	if err != nil {
		return err
	}
	res, err := c.Projects.ListProjects(ctx, req)
	return v.reply(res, err, func() {
		if len(res.GetProjects()) == 0 {
			fmt.Fprintln(e.stderr, "No projects yet: start one with `trainyard train DATA --goal TEXT`.")
		}
		for _, p := range res.GetProjects() {
			metric := ""
			if h := p.GetHeadlineMetric(); h != nil && h.GetName() != "" {
				metric = fmt.Sprintf("%s=%.4f", h.GetName(), h.GetValue())
			}
			fmt.Fprintf(e.stdout, "%s  %-17s  %-16s  %s\n", p.GetId(), stageName(p.GetCurrentStage()), metric, oneLine(p.GetDisplayName(), 60))
		}
	})
}

func runProjectsGet(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects get", "PROJECT [--output json]")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	p, err := c.Projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: client.ProjectName(pos[0])})
	return v.reply(p, err, func() { printProject(e.stdout, p) })
}

func runProjectsWatch(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects watch", "PROJECT [--after N] [--output json]")
	after := v.fs.Int64("after", 0, "start after this event sequence (0 replays every event)")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	pr := &eventPrinter{w: e.stdout}
	if v.json() {
		pr.w = e.stderr
	}
	var events []any
	hooks := client.WatchHooks{Reconnect: func(err error, last int64) {
		fmt.Fprintf(e.stderr, "  (stream dropped: %v; resuming after event %d)\n", oneLine(err.Error(), 100), last)
	}}
	_, err = c.Watch(ctx, pos[0], *after, hooks, func(ev *trainyardv1.ProgressEvent) error {
		pr.print(ev)
		if v.json() {
			events = append(events, protoValue(ev))
		}
		return nil
	})
	if v.json() {
		if events == nil {
			events = []any{}
		}
		if werr := writeJSON(e.stdout, events); werr != nil {
			return werr
		}
	}
	return err
}

func runProjectsApprove(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects approve", "PROJECT [--budget 2m] [--learners gbdt,linear] [--comment TEXT] [--output json]")
	budget := v.fs.Duration("budget", 0, "a new training budget (the plan's when not given)")
	learners := v.fs.String("learners", "", "comma-separated learner families to search (the plan's when not given)")
	comment := v.fs.String("comment", "", "a note recorded with the approval")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	req := &trainyardv1.ApproveProjectRequest{Name: client.ProjectName(pos[0]), Comment: *comment}
	if *budget > 0 {
		req.Budget = durationpb.New(*budget)
	}
	for _, l := range strings.Split(*learners, ",") {
		if l = strings.TrimSpace(l); l != "" {
			req.ModelFamilies = append(req.ModelFamilies, l)
		}
	}
	p, err := c.Projects.ApproveProject(ctx, req)
	return v.reply(p, err, func() {
		fmt.Fprintf(e.stdout, "Approved; project %s is %s. Follow it with: trainyard projects watch %s\n", p.GetId(), stageName(p.GetCurrentStage()), p.GetId())
	})
}

func runProjectsCancel(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects cancel", "PROJECT [--reason TEXT] [--output json]")
	reason := v.fs.String("reason", "", "why, recorded in the audit log")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	p, err := c.Projects.CancelProject(ctx, &trainyardv1.CancelProjectRequest{Name: client.ProjectName(pos[0]), Reason: *reason})
	return v.reply(p, err, func() { fmt.Fprintf(e.stdout, "Project %s is %s\n", p.GetId(), stageName(p.GetCurrentStage())) })
}

func runProjectsLogs(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "projects logs", "PROJECT [--decisions] [--output json]")
	decisions := v.fs.Bool("decisions", true, "include the decisions with their reasoning")
	c, pos, err := v.connect(args, 1)
	if err != nil {
		return err
	}
	pp, err := c.Projects.GetProjectProgress(ctx, &trainyardv1.GetProjectProgressRequest{Name: client.ProjectName(pos[0])})
	return v.reply(pp, err, func() { printLogs(e.stdout, pp, *decisions) })
}
