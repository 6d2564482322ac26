package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/durationpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/client"
)

// trainOptions are the flags of `trainyard train`.
type trainOptions struct {
	goal, target, name string
	budget             time.Duration
	approve, noWait    bool
}

// runTrain implements `trainyard train`: upload DATA with a progress bar, create the project,
// stream its stages, decisions and ETA live, then print the metrics, the model id and a
// predict command. With --output json stdout holds the finished project alone.
func runTrain(ctx context.Context, e env, args []string) error {
	v := newClientVerb(e, "train", "DATA [--goal TEXT] [--target COL] [--budget 2m] [--approve] [--name TITLE] [--output json]")
	var o trainOptions
	v.fs.StringVar(&o.goal, "goal", "", `what to predict, in plain words ("predict which customers will churn")`)
	v.fs.StringVar(&o.target, "target", "", "the column to predict, when you want to name it")
	v.fs.DurationVar(&o.budget, "budget", 0, "training time budget, e.g. 2m (derived from the data when not given)")
	v.fs.BoolVar(&o.approve, "approve", false, "stop for your approval of the plan before training (asks on a terminal)")
	v.fs.StringVar(&o.name, "name", "", "a title for the project")
	v.fs.BoolVar(&o.noWait, "no-wait", false, "create the project and return without watching it")
	pos, err := v.parse(args, 1)
	if err != nil {
		return err
	}
	goal := strings.TrimSpace(o.goal)
	if goal == "" && o.target != "" {
		goal = "predict " + o.target
	}
	if goal == "" {
		return usageError{errors.New(`say what to predict: --goal "predict which customers will churn" or --target COLUMN`)}
	}
	c, err := v.dial()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	// Progress and the live log go to stderr with --output json, to stdout otherwise.
	live := e.stdout
	if v.json() {
		live = e.stderr
	}
	bar := newProgressBar(e.stderr, "Uploading "+filepath.Base(pos[0]))
	ds, err := c.UploadFile(ctx, pos[0], bar.update)
	if err != nil {
		fmt.Fprintln(e.stderr)
		return fmt.Errorf("upload %s: %w", pos[0], err)
	}
	bar.finish()
	fmt.Fprintf(live, "Dataset %s: %d rows, %d columns\n", ds.GetId(), ds.GetNumRows(), ds.GetNumColumns())
	for _, w := range ds.GetWarnings() {
		fmt.Fprintf(live, "  note: %s\n", oneLine(w, 160))
	}

	sub := &trainyardv1.ProjectSubmission{ProblemDescription: goal, DatasetId: ds.GetId(), RequiresApproval: o.approve,
		DisplayName: o.name, TargetColumn: o.target}
	if o.budget > 0 {
		sub.Budget = durationpb.New(o.budget)
	}
	p, err := c.Projects.CreateProject(ctx, &trainyardv1.CreateProjectRequest{Submission: sub, RequestId: uuid.NewString()})
	if err != nil {
		return fmt.Errorf("create the project: %w", c.Explain(err))
	}
	fmt.Fprintf(live, "Project %s created; following it (Ctrl-C stops following, not the project)\n", p.GetId())
	if o.noWait {
		if v.json() {
			return writeProto(e.stdout, p)
		}
		fmt.Fprintf(live, "Follow it with: trainyard projects watch %s\n", p.GetId())
		return nil
	}
	final, err := follow(ctx, e, c, p.GetId(), live, o.approve && !v.json())
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "\nStopped following; the project goes on. Resume with: trainyard projects watch %s\n", p.GetId())
		}
		return err
	}
	return finish(ctx, e, c, final, live, v.json())
}

// follow watches a project to its end, printing events to live, and returns the final
// project. ask prompts on the terminal when the project waits for approval.
func follow(ctx context.Context, e env, c *client.Client, id string, live io.Writer, ask bool) (*trainyardv1.Project, error) {
	pr := &eventPrinter{w: live}
	hooks := client.WatchHooks{Reconnect: func(err error, after int64) {
		fmt.Fprintf(e.stderr, "  (stream dropped: %v; resuming after event %d)\n", oneLine(err.Error(), 100), after)
	}}
	_, err := c.Watch(ctx, id, 0, hooks, func(ev *trainyardv1.ProgressEvent) error {
		pr.print(ev)
		if sc := ev.GetStageChange(); sc != nil && sc.GetNewStage() == trainyardv1.PipelineStage_PIPELINE_STAGE_AWAITING_APPROVAL {
			return awaitApproval(ctx, e, c, id, live, ask)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p, err := c.Projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: client.ProjectName(id)})
	if err != nil {
		return nil, c.Explain(err)
	}
	return p, nil
}

// awaitApproval shows the plan and, on a terminal, asks whether to approve it.
func awaitApproval(ctx context.Context, e env, c *client.Client, id string, live io.Writer, ask bool) error {
	p, err := c.Projects.GetProject(ctx, &trainyardv1.GetProjectRequest{Name: client.ProjectName(id)})
	if err != nil {
		return c.Explain(err)
	}
	printPlan(live, p)
	if !ask || !isTerminal(os.Stdin) {
		fmt.Fprintf(live, "Waiting for approval: trainyard projects approve %s (or cancel %s)\n", id, id)
		return nil
	}
	fmt.Fprint(e.stderr, "Approve this plan and start training? [y/n] ")
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		_, err = c.Projects.ApproveProject(ctx, &trainyardv1.ApproveProjectRequest{Name: client.ProjectName(id), Comment: "approved from the CLI"})
	case "n", "no":
		_, err = c.Projects.RejectProject(ctx, &trainyardv1.RejectProjectRequest{Name: client.ProjectName(id), Reason: "rejected from the CLI"})
	default:
		fmt.Fprintf(live, "No answer; still waiting: trainyard projects approve %s (or cancel %s)\n", id, id)
	}
	return c.Explain(err)
}

// finish reports a finished project: metrics, model id and a predict command, or why it
// failed. A project that did not complete is an error (exit code 1).
func finish(ctx context.Context, e env, c *client.Client, p *trainyardv1.Project, live io.Writer, asJSON bool) error {
	var failed error
	if p.GetCurrentStage() != trainyardv1.PipelineStage_PIPELINE_STAGE_COMPLETED {
		failed = fmt.Errorf("project %s ended %s", p.GetId(), stageName(p.GetCurrentStage()))
		if m := p.GetError().GetMessage(); m != "" {
			failed = fmt.Errorf("%w: %s", failed, m)
		}
	}
	if asJSON {
		if err := writeProto(e.stdout, p); err != nil {
			return err
		}
		return failed
	}
	if failed != nil {
		printProject(live, p)
		return failed
	}
	fmt.Fprintln(live)
	if p.GetModelId() == "" {
		printProject(live, p)
		return nil
	}
	m, err := c.Models.GetModel(ctx, &trainyardv1.GetModelRequest{Name: client.ModelName(p.GetModelId())})
	if err != nil {
		return c.Explain(err)
	}
	printModel(live, m)
	printPredictHint(live, m)
	return nil
}

// printPredictHint prints the predict command for model m: a picture for an image model, a
// CSV of its input columns otherwise.
func printPredictHint(w io.Writer, m *trainyardv1.Model) {
	if client.ImageColumn(m.GetFeatures()) != "" {
		fmt.Fprintf(w, "\nPredict with:\n  trainyard predict %s --input photo.png\n", m.GetId())
		fmt.Fprintln(w, "  (or a folder of pictures: png, jpg, jpeg, gif or webp)")
		return
	}
	fmt.Fprintf(w, "\nPredict with:\n  trainyard predict %s --input rows.csv\n", m.GetId())
	if cols := featureNames(m); cols != "" {
		fmt.Fprintf(w, "  (rows.csv has the columns %s)\n", cols)
	}
}

// featureNames lists a model's input columns for the predict hint.
func featureNames(m *trainyardv1.Model) string {
	var names []string
	for _, f := range m.GetFeatures() {
		names = append(names, f.GetName())
	}
	return listed(names, 12)
}

// listed joins names with commas: the first max of them, then how many more there are.
func listed(names []string, max int) string {
	if len(names) > max {
		names = append(names[:max:max], fmt.Sprintf("… %d more", len(names)-max))
	}
	return strings.Join(names, ", ")
}
