package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/model"
)

func TestBatchPredict(t *testing.T) {
	h := newServingHarness(t)
	owner := h.newUser("owner@example.com", store.RoleMember)
	other := h.newUser("other@example.com", store.RoleMember)
	art := trainOn(t, "titanic.csv", "Survived", "30", titanicDrop...)
	m := h.deploy(owner, art)
	input := readShared(t, "titanic.csv")
	code, body := h.restUpload(owner.key, nil, fileOf("titanic.csv", input))
	ds := restDataset(t, code, body, http.StatusCreated)
	ctx := withKey(context.Background(), owner.key)
	job, err := h.cps.BatchPredict(ctx, &trainyardv1.BatchPredictRequest{Name: m.ID.String(), DatasetId: ds.GetId(), RequestId: "batch-1"})
	if err != nil {
		t.Fatalf("BatchPredict = %v", err)
	}
	again, err := h.cps.BatchPredict(ctx, &trainyardv1.BatchPredictRequest{Name: m.ID.String(), DatasetId: ds.GetId(), RequestId: "batch-1"})
	if err != nil || again.GetId() != job.GetId() {
		t.Errorf("BatchPredict with the same request id = %v, %v; want job %s again", again.GetId(), err, job.GetId())
	}
	if _, err := h.cps.BatchPredict(withKey(context.Background(), other.key), &trainyardv1.BatchPredictRequest{Name: m.ID.String(), DatasetId: ds.GetId()}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("BatchPredict by another user = %v, want NotFound", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for job.GetState() != trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_SUCCEEDED {
		if job.GetState() == trainyardv1.BatchPredictionState_BATCH_PREDICTION_STATE_FAILED || time.Now().After(deadline) {
			t.Fatalf("batch job = %v", job)
		}
		time.Sleep(50 * time.Millisecond)
		if job, err = h.cps.GetBatchPrediction(ctx, &trainyardv1.GetBatchPredictionRequest{Name: job.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	if job.GetRowsProcessed() != 891 || job.GetOutputUrl() == "" {
		t.Errorf("finished job = %d rows, output_url %q; want 891 rows and a link", job.GetRowsProcessed(), job.GetOutputUrl())
	}
	// The signed link works without a key; the keyed route works for the owner.
	res, err := http.Get(job.GetOutputUrl())
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET output_url = %v, %v", res, err)
	}
	signed, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(signed)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	keyed, body := h.get(t, h.base+"/api/v1/batch-predictions/"+job.GetId()+"/output", owner.key)
	if keyed.StatusCode != http.StatusOK || !bytes.Equal(body, signed) {
		t.Errorf("GET output with key = %d (%d bytes), want 200 and the %d bytes of the signed link", keyed.StatusCode, len(body), len(signed))
	}
	if tampered, _ := h.get(t, job.GetOutputUrl()+"x", ""); tampered.StatusCode != http.StatusForbidden {
		t.Errorf("tampered output link = %d, want 403", tampered.StatusCode)
	}
	in, err := csv.NewReader(bytes.NewReader(input)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	wantHeader := append(append([]string{}, in[0]...), "prediction", "probability_0", "probability_1", "error")
	if len(header) != len(wantHeader) || header[len(header)-4] != "prediction" {
		t.Fatalf("output header = %q, want %q", header, wantHeader)
	}
	if len(recs) != len(in) {
		t.Fatalf("output has %d lines, want %d", len(recs), len(in))
	}
	pred, _ := model.NewPredictor(art)
	rec, err := pred.Bind(in[0])
	if err != nil {
		t.Fatal(err)
	}
	n := len(in[0])
	for i := 1; i < len(in); i++ {
		var p model.Prediction
		if err := rec.Predict(in[i], &p); err != nil {
			t.Fatal(err)
		}
		out := recs[i]
		for j := range n {
			if out[j] != in[i][j] {
				t.Fatalf("line %d column %d = %q, want the input's %q", i, j, out[j], in[i][j])
			}
		}
		p1, _ := strconv.ParseFloat(out[n+2], 64)
		if out[n] != p.Label || math.Abs(p1-p.Probabilities[1]) > 1e-6 || out[n+3] != "" {
			t.Fatalf("line %d = %q, want label %s P(1)=%v", i, out[n:], p.Label, p.Probabilities[1])
		}
	}
}
