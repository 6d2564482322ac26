// Command pipeline measures the agent pipeline end to end on the shared datasets: for each
// dataset it uploads the file, submits a project with a plain-language description, and
// reports submission-to-deployed time and the time spent in each stage, as a markdown table.
// Everything runs in this process on the embedded default (SQLite, file blobs, in-process
// queue, local training engine, rules reasoner), one project at a time.
//
//	go run ./bench/pipeline                     # every dataset, 10s training budget
//	go run ./bench/pipeline -budget 30s -only telco_churn,titanic
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
)

// cases are the datasets with what a person would write about them.
var cases = []struct{ file, description string }{
	{"iris.csv", "predict the species of the flower"},
	{"wine.csv", "predict the cultivar of each wine"},
	{"breast_cancer.csv", "predict whether a tumor is malignant (the diagnosis)"},
	{"diabetes.csv", "predict disease progression after one year"},
	{"digits.csv", "recognize the handwritten digit"},
	{"penguins.csv", "predict the species of a penguin"},
	{"telco_churn.csv", "predict which customers will churn"},
	{"ames_housing.csv", "predict the sale price of a house"},
	{"spambase.csv", "predict whether an email is spam (the type column)"},
	{"letter_recognition.csv", "predict the letter (lettr) from the image statistics"},
	{"fine_foods_reviews.csv", "predict the label of a review"},
	{"titanic.csv", "predict who survived"},
	{"california_housing.csv", "predict the median house value of a district"},
	{"adult.csv", "predict whether income is above 50K"},
	{"sms_spam.csv", "predict whether a message is spam"},
}

// stages are the columns of the table.
var stages = []store.Stage{store.StageAnalyzing, store.StageDataProcessing, store.StageLabeling, store.StageModelSelection,
	store.StageTraining, store.StageEvaluation, store.StageDeployment}

func main() {
	budget := flag.Duration("budget", 10*time.Second, "training budget per project (0 = derived by the pipeline)")
	only := flag.String("only", "", "comma-separated dataset names to run (default all)")
	timeout := flag.Duration("timeout", 10*time.Minute, "longest wait for one project")
	flag.Parse()
	if err := run(*budget, *only, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/pipeline:", err)
		os.Exit(1)
	}
}

func run(budget time.Duration, only string, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "trainyard-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	// Searches run against the wall clock, as `trainyard serve`'s do, so that the training
	// column measures the budget; the tests' fixed number of trials would not.
	e, err := pipelinetest.Start(ctx, pipelinetest.Config{Dir: dir, Trials: -1, Pipeline: pipeline.Options{MinBudget: 10 * time.Second}})
	if err != nil {
		return err
	}
	defer e.Close()
	var want []string
	if only != "" {
		want = strings.Split(only, ",")
	}
	var b strings.Builder
	b.WriteString("| dataset | rows | task → target | outcome | held-out | analyze | data | label | select | train | evaluate | deploy | submitted → deployed |\n")
	b.WriteString("|---|--:|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range cases {
		name := strings.TrimSuffix(c.file, ".csv")
		if len(want) > 0 && !slices.Contains(want, name) {
			continue
		}
		path, err := pipelinetest.DatasetPath(c.file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "skip %s: %v\n", c.file, err)
			continue
		}
		row, err := measure(ctx, e, path, c.description, budget, timeout)
		if err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
		line := fmt.Sprintf("| %s | %s |\n", name, row)
		fmt.Fprint(os.Stderr, line)
		b.WriteString(line)
	}
	fmt.Printf("Training budget per project: %s; %d CPUs.\n\n%s", budget, numCPU(), b.String())
	return nil
}

// measure runs one project and formats its table row (without the dataset name).
func measure(ctx context.Context, e *pipelinetest.Env, path, desc string, budget, timeout time.Duration) (string, error) {
	ds, err := e.Upload(ctx, path)
	if err != nil {
		return "", err
	}
	start := time.Now()
	p, err := e.Submit(ctx, pipelinetest.Submission{DatasetID: ds.ID, Description: desc, BudgetSeconds: int64(budget.Seconds())})
	if err != nil {
		return "", err
	}
	p, err = e.Wait(ctx, p.ID, timeout)
	if err != nil {
		return "", err
	}
	total := time.Since(start)
	sys := store.SystemContext(ctx)
	evs, err := e.Store.ListProgress(sys, p.ID, 0, 1000)
	if err != nil {
		return "", err
	}
	spent := map[store.Stage]time.Duration{}
	var cur store.Stage
	var since time.Time
	for _, ev := range evs {
		if ev.Kind != store.EventStageChanged && ev.Kind != store.EventTerminal {
			continue
		}
		if cur != "" {
			spent[cur] += ev.CreatedAt.Sub(since)
		}
		cur, since = ev.Stage, ev.CreatedAt
	}
	task, held := "", ""
	if len(p.Analysis) > 0 {
		var pa trainyardv1.ProblemAnalysis
		if protojson.Unmarshal(p.Analysis, &pa) == nil {
			task = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(pa.GetProblemType().String(), "PROBLEM_TYPE_"), "_CLASSIFICATION")) + " → " + pa.GetTargetColumn()
		}
	}
	if p.ModelID != nil {
		if m, err := e.Store.GetModel(sys, *p.ModelID); err == nil {
			var mt trainyardv1.Metrics
			if protojson.Unmarshal(m.Metrics, &mt) == nil && mt.GetPrimary() != nil {
				held = fmt.Sprintf("%s %.3f", mt.GetPrimary().GetName(), mt.GetPrimary().GetValue())
			}
		}
	}
	outcome := strings.ToLower(string(p.Stage))
	if p.Stage == store.StageFailed {
		msg := p.ErrorMessage
		if len(msg) > 60 {
			msg = msg[:60] + "…"
		}
		outcome += ": " + strings.ReplaceAll(msg, "|", "/")
	}
	cells := []string{fmt.Sprint(ds.NumRows), task, outcome, held}
	for _, s := range stages {
		if d, ok := spent[s]; ok {
			cells = append(cells, fmt.Sprintf("%.1fs", d.Seconds()))
		} else {
			cells = append(cells, "–")
		}
	}
	deployed := "–"
	if p.Stage == store.StageCompleted {
		deployed = fmt.Sprintf("%.1fs", total.Seconds())
	}
	cells = append(cells, deployed)
	return strings.Join(cells, " | "), nil
}
