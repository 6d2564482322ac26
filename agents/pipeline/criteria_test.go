package pipeline_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/serving"
	mlmodel "github.com/trainyard/trainyard/ml/model"
)

// evaluatedOnly is the local trainer with the deployment refit refused, so the pipeline deploys
// the very model it evaluated on the test rows (its recorded fallback) and the served model's
// test-row predictions can be compared with the recorded test metrics.
type evaluatedOnly struct{ pipeline.LocalTrainer }

func (t evaluatedOnly) Train(ctx context.Context, job pipeline.TrainJob) (*pipeline.TrainResult, error) {
	if len(job.Refit) > 0 {
		return nil, errors.New("refit refused by the test")
	}
	return t.LocalTrainer.Train(ctx, job)
}

var thresholdText = regexp.MustCompile(`predict (\S+) when its probability ≥ ([0-9.]+)`)

// TestRecallCriterionIsServed: "at least 90% recall on churners" becomes a decision threshold
// chosen on validation; the deployed artifact carries it, the served predictions label a row
// churner exactly when its churn probability reaches it, and the recall the served model
// gives on the held-out test rows is the recall the project recorded.
func TestRecallCriterionIsServed(t *testing.T) {
	t.Parallel()
	e := startEnv(t, pipelinetest.Config{Trainer: evaluatedOnly{pipeline.LocalTrainer{Trials: pipelinetest.Trials}}})
	ctx := context.Background()
	p := completed(t, e, pipelinetest.Submission{DatasetID: upload(t, e, "telco_churn.csv"),
		Description: "predict which customers will churn; we need at least 90% recall on churners", BudgetSeconds: 10}, 120*time.Second)
	pa := analysisOf(t, p)
	if len(pa.GetSuccessCriteria()) != 1 || pa.GetSuccessCriteria()[0].GetMetric() != "recall" {
		t.Fatalf("criteria = %v, want one on recall", pa.GetSuccessCriteria())
	}
	crit := pa.GetSuccessCriteria()[0]

	// The threshold the evaluation chose, from its decision.
	ths := decisionsOf(audit(t, e, p.ID), "threshold")
	if len(ths) == 0 {
		t.Fatal("no threshold decision")
	}
	mt := thresholdText.FindStringSubmatch(ths[len(ths)-1].Decision)
	if mt == nil {
		t.Fatalf("threshold decision %q does not name the class and threshold", ths[len(ths)-1].Decision)
	}
	positive := mt[1]
	thr, _ := strconv.ParseFloat(mt[2], 64)
	if !(thr > 0 && thr < 0.5) {
		t.Fatalf("threshold %v, want one below 0.5 to buy recall", thr)
	}

	// The deployed artifact carries it.
	m, err := e.Store.GetModel(sys, *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := serving.New(serving.Options{Blobs: e.Blobs})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := reg.Get(ctx, serving.Ref{ID: m.ID, ArtifactKey: m.ArtifactKey, Version: m.UpdatedAt})
	if err != nil {
		t.Fatal(err)
	}
	art := loaded.Predictor.Artifact()
	pos := -1
	for i, c := range art.Classes {
		if c == positive {
			pos = i
		}
	}
	if pos != 1 || math.Abs(art.Threshold-thr) > 5e-5 {
		t.Fatalf("artifact classes %v, threshold %v; want %s second and the chosen %v", art.Classes, art.Threshold, positive, thr)
	}

	// Serve every held-out test row.
	var ds struct {
		Target string `json:"target"`
		Test   []int  `json:"test"`
	}
	r, err := e.Blobs.Open(ctx, "projects/"+p.ID.String()+"/pipeline/data.json")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(r).Decode(&ds)
	r.Close()
	if err != nil || len(ds.Test) < 1000 {
		t.Fatalf("data state: %d test rows, %v", len(ds.Test), err)
	}
	path, err := pipelinetest.DatasetPath("telco_churn.csv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := recs[0], recs[1:]
	var tp, fn, lowered int
	var pred mlmodel.Prediction
	for _, i := range ds.Test {
		fields := serving.MapFields{}
		truth := ""
		for j, h := range header {
			if h == ds.Target {
				truth = rows[i][j]
				continue
			}
			fields[h] = rows[i][j]
		}
		row, _, err := loaded.Row(fields)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if err := loaded.PredictLocal(row, &pred); err != nil {
			t.Fatalf("predict row %d: %v", i, err)
		}
		pp := pred.Probabilities[pos]
		if math.Abs(pp-thr) > 1e-4 && (pred.Label == positive) != (pp >= thr) {
			t.Errorf("row %d: P(%s) = %.4f labeled %q; want %s exactly when P ≥ %v", i, positive, pp, pred.Label, positive, thr)
		}
		if pred.Label == positive && pp < 0.5 {
			lowered++
		}
		if truth == positive {
			if pred.Label == positive {
				tp++
			} else {
				fn++
			}
		}
	}
	if lowered == 0 {
		t.Error("no test row below P = 0.5 was labeled positive: the threshold changed nothing")
	}
	served := float64(tp) / float64(tp+fn)
	var mets trainyardv1.Metrics
	if err := protojson.Unmarshal(m.Metrics, &mets); err != nil {
		t.Fatal(err)
	}
	if rec := mets.GetValues()["recall"]; math.Abs(rec-served) > 1e-9 {
		t.Errorf("served model's test recall = %.6f, want the recorded %.6f", served, rec)
	}
	if math.Abs(crit.GetAchieved()-served) > 5e-4 || crit.GetMet() != (served >= crit.GetThreshold()) {
		t.Errorf("criterion recall ≥ %v: achieved %v met %v; the served model gives %.4f", crit.GetThreshold(), crit.GetAchieved(), crit.GetMet(), served)
	}
	t.Logf("threshold %.4f: served test recall %.4f (%d of %d churners), %d rows labeled churn below 0.5", thr, served, tp, tp+fn, lowered)
}
