package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/bench/internal/e2e"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/ml/model"
)

// e2eGoals are what a person would write about each dataset.
var e2eGoals = map[string]string{
	"sms_spam":           "predict whether a message is spam (the label)",
	"fine_foods_reviews": "predict the label of each review",
}

// runE2E takes each dataset's training rows (the same split as the other rows of the table)
// through the whole pipeline on the embedded default — upload, ANALYZING ... DEPLOYMENT,
// COMPLETED — with the given training budget, then scores the test rows with the deployed
// model as the API serves it. It prints one JSON line per dataset; "fit s" is submission to
// COMPLETED.
func runE2E(ctx context.Context, dir string, budget time.Duration) error {
	tmp, err := os.MkdirTemp("", "bench-text-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env, err := pipelinetest.Start(ctx, pipelinetest.Config{Dir: tmp})
	if err != nil {
		return err
	}
	defer env.Close()
	for _, name := range []string{"sms_spam", "fine_foods_reviews"} {
		head, train, test, err := splitRecords(filepath.Join(dir, name+".csv"))
		if err != nil {
			return err
		}
		path := filepath.Join(tmp, name+"_train.csv")
		if err := writeCSV(path, append([][]string{head}, train...)); err != nil {
			return err
		}
		run, err := e2e.Train(ctx, env, name, path, e2eGoals[name], budget, 20*budget+5*time.Minute)
		if err != nil {
			return err
		}
		m, lm := run.Model, run.Loaded
		label, text := index(head, "label"), index(head, "text")
		y, pred := make([]string, len(test)), make([]string, len(test))
		var d model.Prediction
		for i, r := range test {
			fields := serving.MapFields{}
			for j, h := range head {
				fields[h] = r[j]
			}
			row, _, err := lm.Row(fields)
			if err == nil {
				err = lm.PredictLocal(row, &d)
			}
			if err != nil {
				return fmt.Errorf("%s: test row %d: %w", name, i, err)
			}
			y[i], pred[i] = r[label], d.Label
		}
		total := time.Since(run.Start)
		acc, f1 := score(y, pred, positive(name))
		mm := run.Metrics
		out, _ := json.Marshal(map[string]any{
			"engine": "trainyard pipeline", "dataset": name, "learner": "search: " + m.Learner,
			"train": len(train), "test": len(test), "accuracy": acc, "f1": f1, "fit_s": run.Fit.Seconds(), "total_s": total.Seconds(),
			"budget_s": budget.Seconds(), "pipeline_test_accuracy": mm.GetValues()["accuracy"], "text_column": head[text],
		})
		fmt.Println(string(out))
	}
	return nil
}

func positive(name string) string {
	if name == "sms_spam" {
		return "spam"
	}
	return "great"
}

// splitRecords reads a CSV and splits its rows as load does.
func splitRecords(path string) (head []string, train, test [][]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	head = recs[0]
	sp := index(head, "split")
	for i, r := range recs[1:] {
		isTest := i%5 == 0
		if sp >= 0 {
			isTest = r[sp] == "test"
		}
		if isTest {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	return head, train, test, nil
}

func index(head []string, name string) int {
	for i, h := range head {
		if h == name {
			return i
		}
	}
	return -1
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
