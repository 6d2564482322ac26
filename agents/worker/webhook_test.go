package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/worker"
	"github.com/trainyard/trainyard/internal/store"
)

// TestWebhookApprovalNeeded: a project that stops for approval notifies its webhook with a
// signed event, retried after a failure.
func TestWebhookApprovalNeeded(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	var got []pipeline.WebhookEvent
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		if err := worker.VerifySignature(secret, r.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("VerifySignature = %v", err)
		}
		var ev pipeline.WebhookEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got = append(got, ev)
	}))
	defer srv.Close()

	e, err := pipelinetest.Start(context.Background(), pipelinetest.Config{Dir: t.TempDir(),
		Worker: worker.Options{WebhookSecret: secret, WebhookBackoff: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	path, err := pipelinetest.DatasetPath("iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.Upload(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Submit(context.Background(), pipelinetest.Submission{DatasetID: ds.ID, Description: "predict the species", RequiresApproval: true, WebhookURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = e.Wait(context.Background(), p.ID, 30*time.Second, store.StageAwaitingApproval); err != nil || p.Stage != store.StageAwaitingApproval {
		t.Fatalf("Wait = %v, %v", p.Stage, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != "project.approval_needed" || got[0].ProjectID != p.ID.String() {
		t.Fatalf("webhook events = %+v after %d calls, want one approval_needed for %s", got, calls, p.ID)
	}
	if calls != 2 {
		t.Errorf("webhook calls = %d, want 2 (one failure, one retry)", calls)
	}
}
