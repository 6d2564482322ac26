package vertextrainer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/trainyard/trainyard/agents/pipeline"
	"github.com/trainyard/trainyard/agents/pipeline/pipelinetest"
	"github.com/trainyard/trainyard/agents/vertextrainer"
	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/blob"
	"github.com/trainyard/trainyard/internal/serving"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/internal/vertex/vertextest"
	"github.com/trainyard/trainyard/server"
)

// trained is what a fake AutoML keeps between its calls: the failures its next trainings
// return, in order, and what it trained for each training pipeline.
type trained[M any] struct {
	mu     sync.Mutex
	fail   []error
	models map[string]M // training pipeline → model
}

// nextFailure returns the next scripted failure, or nil when none is left.
func (tr *trained[M]) nextFailure() error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.fail) == 0 {
		return nil
	}
	err := tr.fail[0]
	tr.fail = tr.fail[1:]
	return err
}

// put records the model a training pipeline made.
func (tr *trained[M]) put(pipeline string, m M) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.models == nil {
		tr.models = map[string]M{}
	}
	tr.models[pipeline] = m
}

// get returns the model a training pipeline made, or the zero value.
func (tr *trained[M]) get(pipeline string) M {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.models[pipeline]
}

// bucketReader reads a URI under the trainer's blob URL from its blob store, as Vertex reads
// the bucket Trainyard staged files in.
func bucketReader(ctx context.Context, tr *vertextrainer.Trainer) func(uri string) ([]byte, error) {
	return func(uri string) ([]byte, error) {
		key, ok := strings.CutPrefix(uri, strings.TrimRight(tr.BlobURL, "/")+"/")
		if !ok {
			return nil, fmt.Errorf("cannot read %s", uri)
		}
		r, err := tr.Blobs.Open(ctx, key)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(r)
		return buf.Bytes(), err
	}
}

// importRecords returns the CSV records of every import file the fake's dataset was loaded from.
func importRecords(srv *vertextest.Server, read func(string) ([]byte, error), datasetID string) ([][]string, error) {
	var all [][]string
	for _, uri := range srv.Imports(srv.Parent + "/datasets/" + datasetID) {
		b, err := read(uri)
		if err != nil {
			return nil, err
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("import file %s: %w", uri, err)
		}
		all = append(all, recs...)
	}
	return all, nil
}

// imageContent decodes the image of an AutoML image instance, {"content": base64}.
func imageContent(i int, v *structpb.Value) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(v.GetStructValue().GetFields()["content"].GetStringValue())
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("instance %d: want {\"content\": base64}", i)
	}
	return b, nil
}

// startPipeline starts the pipeline harness in dir with tr as its trainer and a one second
// minimum budget; it closes when the test ends.
func startPipeline(t *testing.T, ctx context.Context, dir string, tr *vertextrainer.Trainer) *pipelinetest.Env {
	t.Helper()
	e, err := pipelinetest.Start(ctx, pipelinetest.Config{Dir: dir, Trainer: tr, Pipeline: pipeline.Options{MinBudget: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// irisPath returns the path of the iris dataset, skipping the test when it is not there.
func irisPath(t *testing.T) string {
	t.Helper()
	path, err := pipelinetest.DatasetPath("iris.csv")
	if err != nil {
		t.Skip(err)
	}
	return path
}

// completedProject uploads the dataset at path, submits a project on it and waits up to wait
// for the project to complete, failing the test if it does not.
func completedProject(t *testing.T, ctx context.Context, e *pipelinetest.Env, path, description string, budgetSeconds int64, wait time.Duration) *ent.Project {
	t.Helper()
	ds, err := e.Upload(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Submit(ctx, pipelinetest.Submission{DatasetID: ds.ID, Description: description, BudgetSeconds: budgetSeconds})
	if err != nil {
		t.Fatal(err)
	}
	p, err = e.Wait(ctx, p.ID, wait)
	if err != nil || p.Stage != store.StageCompleted {
		t.Fatalf("project = %v (%s), %v; want COMPLETED", p.Stage, p.ErrorMessage, err)
	}
	return p
}

// projectModel returns the model a completed project made.
func projectModel(t *testing.T, ctx context.Context, e *pipelinetest.Env, p *ent.Project) *ent.Model {
	t.Helper()
	m, err := e.Store.GetModel(store.SystemContext(ctx), *p.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// auditEntries returns the decisions the agents recorded for a project.
func auditEntries(t *testing.T, ctx context.Context, e *pipelinetest.Env, p *ent.Project) []*ent.AuditEntry {
	t.Helper()
	entries, _, err := e.Store.ListAuditEntries(store.SystemContext(ctx), p.ID, store.PageRequest{Size: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// loadServed loads a model through the API's serving registry, which answers through the
// model's endpoint when it has one.
func loadServed(t *testing.T, ctx context.Context, e *pipelinetest.Env, tr *vertextrainer.Trainer, m *ent.Model) *serving.Loaded {
	t.Helper()
	reg, err := serving.New(serving.Options{Blobs: e.Blobs, Remote: tr.Client})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := reg.Get(ctx, serving.Ref{ID: m.ID, ArtifactKey: m.ArtifactKey, Version: m.UpdatedAt, Endpoint: m.EndpointID})
	if err != nil {
		t.Fatal(err)
	}
	return lm
}

// startAPI starts the API server as serve wires it with a vertex:// trainer URL, on the
// harness's store and blobs, and returns its base URL and an HTTP client that sends a
// member's API key. The server shuts down when the test ends.
func startAPI(t *testing.T, ctx context.Context, e *pipelinetest.Env, tr *vertextrainer.Trainer) (string, *http.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	api, err := server.New(ctx, server.Options{Store: e.Store, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := blob.NewSigner(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	dp := server.DataPlane{Datasets: e.Datasets, Blobs: e.Blobs, Signer: signer, RemoveEndpoint: tr.Client.Remove}
	reg, err := serving.New(serving.Options{Blobs: e.Blobs, Remote: tr.Client})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.MountDataPlane(dp); err != nil {
		t.Fatal(err)
	}
	if _, err := api.MountServing(dp, server.Serving{Registry: reg}); err != nil {
		t.Fatal(err)
	}
	go api.Serve(ln)
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	sys := store.SystemContext(ctx)
	u, err := e.Store.GetOrCreateUser(sys, "member@example.com", "Member", store.RoleMember)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := e.Store.CreateAPIKey(sys, store.NewAPIKey{OwnerID: u.ID, Role: store.RoleMember, DisplayName: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	return base, &http.Client{Transport: bearer(key)}
}

// bearer sends an API key with every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
