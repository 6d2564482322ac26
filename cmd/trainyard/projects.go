package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

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
	const usage = "projects list [--stage STAGE] [--search TEXT] [--limit N] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects list", usage)
	cf.register(fs)
	stage := fs.String("stage", "", "only projects in this stage, e.g. training or completed")
	search := fs.String("search", "", "only projects whose title or description contains this text")
	limit := fs.Int("limit", 50, "at most this many projects")
	if _, err := parseVerb(fs, args, 0, 0, usage); err != nil {
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
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	res, err := c.Projects.ListProjects(ctx, req)
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, res)
	}
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
	return nil
}

func runProjectsGet(ctx context.Context, e env, args []string) error {
	const usage = "projects get PROJECT [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects get", usage)
	cf.register(fs)
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	p, err := c.Projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: client.ProjectName(pos[0])})
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, p)
	}
	printProject(e.stdout, p)
	return nil
}

func runProjectsWatch(ctx context.Context, e env, args []string) error {
	const usage = "projects watch PROJECT [--after N] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects watch", usage)
	cf.register(fs)
	after := fs.Int64("after", 0, "start after this event sequence (0 replays every event)")
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	pr := &eventPrinter{w: e.stdout}
	if cf.json() {
		pr.w = e.stderr
	}
	var events []any
	hooks := client.WatchHooks{Reconnect: func(err error, last int64) {
		fmt.Fprintf(e.stderr, "  (stream dropped: %v; resuming after event %d)\n", oneLine(err.Error(), 100), last)
	}}
	_, err = c.Watch(ctx, pos[0], *after, hooks, func(ev *trainyardv1.ProgressEvent) error {
		pr.print(ev)
		if cf.json() {
			events = append(events, protoValue(ev))
		}
		return nil
	})
	if cf.json() {
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
	const usage = "projects approve PROJECT [--budget 2m] [--learners gbdt,linear] [--comment TEXT] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects approve", usage)
	cf.register(fs)
	budget := fs.Duration("budget", 0, "a new training budget (the plan's when not given)")
	learners := fs.String("learners", "", "comma-separated learner families to search (the plan's when not given)")
	comment := fs.String("comment", "", "a note recorded with the approval")
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
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
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "Approved; project %s is %s. Follow it with: trainyard projects watch %s\n", p.GetId(), stageName(p.GetCurrentStage()), p.GetId())
	return nil
}

func runProjectsCancel(ctx context.Context, e env, args []string) error {
	const usage = "projects cancel PROJECT [--reason TEXT] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects cancel", usage)
	cf.register(fs)
	reason := fs.String("reason", "", "why, recorded in the audit log")
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	p, err := c.Projects.CancelProject(ctx, &trainyardv1.CancelProjectRequest{Name: client.ProjectName(pos[0]), Reason: *reason})
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "Project %s is %s\n", p.GetId(), stageName(p.GetCurrentStage()))
	return nil
}

func runProjectsLogs(ctx context.Context, e env, args []string) error {
	const usage = "projects logs PROJECT [--decisions] [--output json]"
	var cf clientFlags
	fs := newVerbFlags(e, "projects logs", usage)
	cf.register(fs)
	decisions := fs.Bool("decisions", true, "include the decisions with their reasoning")
	pos, err := parseVerb(fs, args, 1, 1, usage)
	if err != nil {
		return err
	}
	c, err := cf.client(e, true)
	if err != nil {
		return err
	}
	pp, err := c.Projects.GetProjectProgress(ctx, &trainyardv1.GetProjectProgressRequest{Name: client.ProjectName(pos[0])})
	if err != nil {
		return c.Explain(err)
	}
	if cf.json() {
		return writeProto(e.stdout, pp)
	}
	type line struct {
		t    time.Time
		text string
	}
	var lines []line
	for _, l := range pp.GetLogs() {
		lines = append(lines, line{l.GetTime().AsTime(), fmt.Sprintf("%-9s %-16s %s", strings.ToLower(strings.TrimPrefix(l.GetLevel().String(), "LOG_LEVEL_")), stageName(l.GetStage()), l.GetMessage())})
	}
	if *decisions {
		for _, a := range pp.GetDecisions() {
			lines = append(lines, line{a.GetCreateTime().AsTime(), fmt.Sprintf("%-9s %-16s %s (confidence %.0f%%, %s) — %s", "decision", stageName(a.GetStage()), a.GetDecision(), 100*a.GetConfidence(), a.GetReasoner(), a.GetReasoning())})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	for _, l := range lines {
		fmt.Fprintf(e.stdout, "%s  %s\n", l.t.Local().Format("15:04:05.000"), l.text)
	}
	fmt.Fprintf(e.stdout, "Now %s (%.0f%%, %.0f%% overall)\n", stageName(pp.GetCurrentStage()), pp.GetStageProgress(), pp.GetOverallProgress())
	return nil
}
